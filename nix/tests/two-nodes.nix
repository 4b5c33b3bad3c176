# Two machines: node1 runs NATS JetStream and every component (services.cim); node2 runs only
# the ui component, against node1's NATS. An event appended on node1 is read on node2 (through
# node2's HTTP API, answered from node1's stream over NATS), and node2 verifies node1's chain
# directly over NATS. Run by `nix flake check` on a machine with Nix, KVM and the network.
{
  pkgs,
  cimModule,
  cimPackage,
}:
pkgs.testers.runNixOSTest {
  name = "cim-two-nodes";

  nodes = {
    node1 =
      { ... }:
      {
        imports = [ cimModule ];
        virtualisation.memorySize = 2048;
        environment.systemPackages = [ pkgs.curl ];
        services.cim = {
          enable = true;
          package = cimPackage;
          components = {
            events.enable = true;
            units.enable = true;
            registry.enable = true;
            pipeline.enable = true;
            ui.enable = true;
          };
          nats = {
            createLocally = true;
            topology = {
              serverName = "node1";
              clientListen = "0.0.0.0:4222";
              storeDir = "/var/lib/cim-nats";
            };
          };
          # Opens 4222 (the NATS client port) to node2; the UI stays on loopback.
          openFirewall = true;
        };
      };

    node2 =
      { ... }:
      {
        imports = [ cimModule ];
        virtualisation.memorySize = 2048;
        environment.systemPackages = [ pkgs.curl ];
        services.cim = {
          enable = true;
          package = cimPackage;
          components.ui.enable = true;
          natsUrl = "nats://node1:4222";
        };
      };
  };

  testScript = ''
    start_all()

    node1.wait_for_unit("cim-nats.service")
    node1.wait_for_open_port(4222)
    for name in ["events", "units", "registry", "pipeline", "ui"]:
        node1.wait_for_unit(f"cim-{name}.service")
    node1.wait_until_succeeds("curl -sf http://127.0.0.1:8080/api/health", timeout=180)

    node1.succeed(
        "cim events append --domain notes --aggregate Note --id n1 --type NoteWritten "
        + "--data '{\"title\":\"written on node1\"}' --expected-version 0"
    )

    node2.wait_for_unit("cim-ui.service")
    node2.wait_until_succeeds("curl -sf http://127.0.0.1:8080/api/health", timeout=180)

    with subtest("node2 reads node1's stream over NATS"):
        node2.wait_until_succeeds(
            "cim events tail --json | grep -F 'written on node1'", timeout=60
        )
        node2.succeed("cim events verify --nats nats://node1:4222")
  '';
}
