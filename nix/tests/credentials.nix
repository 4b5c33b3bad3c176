# Evaluation only (no VM, no build of CIM): a cim.host machine with every kind of credential,
# evaluated by nixpkgs' NixOS; checks each service's LoadCredential lines, each container's bind
# mounts and config file, and that a store path for a secret is refused. The same rules are
# checked in CI, without nixpkgs, on nix/lib/credentials.nix (src/deploy/credentials-nix.int.test.ts).
# Run by `nix flake check` (checks.<system>.credentials).
{
  pkgs,
  nixosSystem,
  hostModule,
}:
let
  inherit (pkgs) lib;
  machine =
    extra:
    (nixosSystem {
      inherit (pkgs.stdenv.hostPlatform) system;
      modules = [
        hostModule
        {
          boot.isContainer = true;
          system.stateVersion = "25.05";
          networking.hostName = "cim-1";
          cim.host = {
            enable = true;
            components = [
              "events"
              "ui"
            ];
            natsAuthDir = "/run/agenix/cim-nats-auth";
            natsCredentialsFiles = {
              events = "/run/agenix/cim-nats-auth/creds/events.creds";
              ui = "/run/agenix/cim-nats-auth/creds/ui.creds";
            };
            natsTls.caFile = "/etc/cim/nats-ca.pem";
            httpTls = {
              certFile = "/run/agenix/http.pem";
              keyFile = "/run/agenix/http.key";
            };
            adminCredentialsFile = "/run/agenix/cim-first-admin";
            credentialFiles.warm-secret-access-key = "/run/agenix/warm";
          };
        }
        extra
      ];
    }).config;

  good = machine { };
  inner = name: good.containers."cim-${name}".config;
  loadCredential = name: (inner name).systemd.services."cim-${name}".serviceConfig.LoadCredential;
  # What /etc/cim/config.json holds (read from the option, so nothing is built to check it).
  configFile = name: (inner name).services.cim.settings;
  failed = config: map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);

  withStorePath = machine { cim.host.httpTls.keyFile = lib.mkForce "${builtins.storeDir}/abc-http.key"; };

  checks = {
    "no assertion fails" = failed good == [ ] && failed (inner "ui") == [ ] && failed (inner "events") == [ ];
    "the events service gets its own user, not the ui's, and no HTTPS key" = loadCredential "events" == [
      "warm-secret-access-key:/run/agenix/warm"
      "first-admin:/run/agenix/cim-first-admin"
      "nats-ca.pem:/etc/cim/nats-ca.pem"
      "nats.creds:/run/agenix/cim-nats-auth/creds/events.creds"
    ];
    "the ui service gets its user and the HTTPS pair" = loadCredential "ui" == [
      "warm-secret-access-key:/run/agenix/warm"
      "first-admin:/run/agenix/cim-first-admin"
      "nats-ca.pem:/etc/cim/nats-ca.pem"
      "nats.creds:/run/agenix/cim-nats-auth/creds/ui.creds"
      "http-cert.pem:/run/agenix/http.pem"
      "http-key.pem:/run/agenix/http.key"
    ];
    "the events container sees only its own files" =
      lib.sort lib.lessThan (lib.attrNames good.containers.cim-events.bindMounts) == [
        "/etc/cim/nats-ca.pem"
        "/run/agenix/cim-first-admin"
        "/run/agenix/cim-nats-auth/creds/events.creds"
        "/run/agenix/warm"
      ];
    "config files name credentials, never paths of secrets" =
      (configFile "ui").http.tls == {
        cert = "http-cert.pem";
        key = "http-key.pem";
      }
      && (configFile "events").nats.credentials == "nats.creds"
      && (configFile "events").nats.url == "nats://10.233.7.1:4222";
    "cim-nats loads resolver.conf by LoadCredential" =
      good.systemd.services.cim-nats.serviceConfig.LoadCredential == [
        "nats-resolver.conf:/run/agenix/cim-nats-auth/resolver.conf"
      ];
    "a store path for a secret is refused" = lib.any (lib.hasInfix "must not be in the Nix store") (
      failed withStorePath.containers.cim-ui.config
    );
  };
  failures = lib.attrNames (lib.filterAttrs (_: ok: !ok) checks);
in
if failures == [ ] then
  pkgs.runCommand "cim-credentials" { } "touch $out"
else
  throw "nix/tests/credentials.nix: ${lib.concatStringsSep "; " failures}"
