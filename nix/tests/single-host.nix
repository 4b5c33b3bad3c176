# One CIM host (nixosModules.cim-host) in a VM: NATS JetStream on the host, the five components
# each in its own container; every component comes up and registers, a unit uploaded through
# the HTTP API goes through the "documents" pipeline and is found by search.
# Run by `nix flake check` (or `nix build .#checks.x86_64-linux.single-host`) on a machine with
# Nix, KVM and the network; not run by CI here.
{
  pkgs,
  hostModule,
  cimPackage,
}:
pkgs.testers.runNixOSTest {
  name = "cim-single-host";

  nodes.machine =
    { ... }:
    {
      imports = [ hostModule ];
      virtualisation = {
        memorySize = 4096;
        diskSize = 8192;
        cores = 2;
      };
      services.cim.package = cimPackage;
      cim.host = {
        enable = true;
        natsTopology = {
          serverName = "machine";
          clientListen = "0.0.0.0:4222";
          monitorListen = "127.0.0.1:8222";
          storeDir = "/var/lib/cim-nats";
        };
        settings.log.level = "debug";
      };
      environment.systemPackages = [
        pkgs.curl
        pkgs.jq
      ];
    };

  testScript = ''
    ui = "http://10.233.7.14:8080"
    components = ["events", "units", "registry", "pipeline", "ui"]

    machine.start()
    machine.wait_for_unit("cim-nats.service")
    machine.wait_for_open_port(4222)
    machine.succeed("curl -sf http://127.0.0.1:8222/jsz | jq -e '.config.store_dir'")

    with subtest("every component container runs its component"):
        for name in components:
            machine.wait_for_unit(f"container@cim-{name}.service", timeout=300)
            machine.wait_until_succeeds(
                f"nixos-container run cim-{name} -- systemctl is-active cim-{name}.service",
                timeout=300,
            )

    with subtest("the firewall admits NATS from the containers' links"):
        machine.succeed("nixos-container run cim-events -- bash -c 'exec 3<>/dev/tcp/10.233.7.1/4222'")

    with subtest("cim status: healthy, and every component in the registry"):
        machine.wait_until_succeeds(f"curl -sf {ui}/api/health", timeout=300)
        machine.wait_until_succeeds(
            f"cim status --url {ui} --json | jq -e '.status == \"ok\" and "
            + "([.registered[].name] | contains([\"events\", \"units\", \"registry\", \"pipeline\", \"ui\"]))'",
            timeout=120,
        )
        print(machine.succeed(f"cim status --url {ui}"))

    with subtest("a unit uploaded over HTTP comes out of the pipeline and is found by search"):
        machine.succeed(f"cim pipeline apply ${../../examples/pipelines/documents.yaml} --url {ui}")
        machine.succeed(
            "printf '# Harbour notes\\n\\nThe quokka inspected the lighthouse at dawn.\\n' > /tmp/x.md"
        )
        # --fail-with-body prints the problem document if the node refuses the upload. The ui
        # container writes the upload into the stores over NATS itself and asks the units
        # container's catalog until it lists the unit (src/runtime/ui-unit-access.ts).
        print(machine.succeed(
            "curl -sS --fail-with-body -X POST -H 'content-type: text/markdown' "
            + f"--data-binary @/tmp/x.md '{ui}/api/units?name=x.md'"
        ))
        machine.wait_until_succeeds(
            f"curl -sf '{ui}/api/events?limit=1000' | "
            + "jq -e '[.events[] | select(.type == \"StepCompleted\")] | length >= 1'",
            timeout=180,
        )
        machine.wait_until_succeeds(
            f"curl -sf '{ui}/api/search?q=quokka' | jq -e '.hits | length >= 1'",
            timeout=180,
        )
        print(machine.succeed(f"cim search quokka --url {ui}"))

    with subtest("the event chain verifies directly against the host's NATS"):
        machine.succeed("cim events verify --nats nats://127.0.0.1:4222")
  '';
}
