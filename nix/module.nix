# services.cim: CIM's components as hardened systemd services, the config file they read
# (/etc/cim/config.json), secrets through LoadCredential (nix/lib/credentials.nix), and optionally
# a local nats-server (cim-nats) configured by nix/lib/nats-config.nix.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    mkOption
    mkEnableOption
    mkIf
    mkMerge
    mkDefault
    types
    literalExpression
    ;

  cfg = config.services.cim;
  settingsFormat = pkgs.formats.json { };

  componentNames = import ./lib/components.nix;
  enabledComponents = lib.filter (name: cfg.components.${name}.enable) componentNames;

  configPath = "/etc/cim/config.json";

  # A secret is a file on the machine, named by a string: a Nix path would be copied into the
  # store, readable by everyone. nix/lib/credentials.nix refuses store paths too.
  secretPath = types.strMatching "/.+";

  credentials = import ./lib/credentials.nix {
    components = enabledComponents;
    natsCredentialsFiles = lib.genAttrs componentNames (name: cfg.components.${name}.natsCredentialsFile);
    natsTls = cfg.nats.tls;
    httpTls = cfg.http.tls;
    adminCredentialsFile = cfg.auth.adminCredentialsFile;
    credentialFiles = cfg.credentialFiles;
  };

  # "0.0.0.0:4222" -> { host = "0.0.0.0"; port = 4222; }; "[::]:4222" -> host "[::]".
  splitListen =
    listen:
    let
      parts = lib.splitString ":" listen;
    in
    {
      host = lib.concatStringsSep ":" (lib.init parts);
      port = lib.toInt (lib.last parts);
    };
  wildcardHosts = [
    ""
    "0.0.0.0"
    "[::]"
    "::"
  ];

  topology = cfg.nats.topology;
  natsClient = splitListen topology.clientListen;
  natsClientHost =
    if builtins.elem natsClient.host wildcardHosts then "127.0.0.1" else natsClient.host;

  # Secrets nats-server reads (TLS key, leaf credentials) are passed by LoadCredential too, and
  # the rendered config names them in the unit's credentials directory, a fixed path.
  natsCredDir = "/run/credentials/cim-nats.service";
  natsTls = topology.tls or null;
  natsLeafRemotes = topology.leafRemotes or null;
  natsAuthDir = cfg.nats.authDir;
  natsCredentials =
    lib.optional (natsAuthDir != null) "nats-resolver.conf:${natsAuthDir}/resolver.conf"
    ++ lib.optionals (natsTls != null) (
      [
        "tls-cert:${natsTls.certFile}"
        "tls-key:${natsTls.keyFile}"
      ]
      ++ lib.optional (natsTls ? caFile) "tls-ca:${natsTls.caFile}"
    )
    ++ lib.optionals (natsLeafRemotes != null) (
      lib.concatLists (
        lib.imap0 (
          i: remote: lib.optional (remote ? credentialsFile) "leaf-${toString i}.creds:${remote.credentialsFile}"
        ) natsLeafRemotes
      )
    );
  natsTopologyForServer =
    topology
    // {
      inherit (cfg.nats) sync;
    }
    // lib.optionalAttrs (natsTls != null) {
      tls =
        {
          certFile = "${natsCredDir}/tls-cert";
          keyFile = "${natsCredDir}/tls-key";
        }
        // lib.optionalAttrs (natsTls ? caFile) { caFile = "${natsCredDir}/tls-ca"; };
    }
    // lib.optionalAttrs (natsLeafRemotes != null) {
      leafRemotes = lib.imap0 (
        i: remote:
        remote
        // lib.optionalAttrs (remote ? credentialsFile) {
          credentialsFile = "${natsCredDir}/leaf-${toString i}.creds";
        }
      ) natsLeafRemotes;
    };
  natsConfigFile = pkgs.writeText "cim-nats.conf" (import ./lib/nats-config.nix natsTopologyForServer);
  # With decentralised auth the server also needs the operator, the accounts and their JWTs:
  # `cim nats init` writes them to resolver.conf (no secret, but it names who may connect). It
  # is appended at start, from the credentials directory, to a copy of the configuration in
  # the runtime directory: nats-server resolves `include` relative to the including file, and
  # the rendered file is in the store.
  natsRuntimeConfig = "/run/cim-nats/nats-server.conf";
  natsAssembleConfig = pkgs.writeShellScript "cim-nats-config" ''
    ${pkgs.coreutils}/bin/cat ${natsConfigFile} "$CREDENTIALS_DIRECTORY/nats-resolver.conf" > ${natsRuntimeConfig}
  '';

  # Ports of the topology that other machines use (client, cluster routes, leaf connections).
  # The monitoring port stays closed: it shows connections and subjects to anyone.
  natsPublicPorts =
    [ natsClient.port ]
    ++ lib.optional (topology ? cluster) (splitListen topology.cluster.listen).port
    ++ lib.optional (topology ? leafListen) (splitListen topology.leafListen).port;

  # DynamicUser services keep their state under /var/lib; StateDirectory is the path below it.
  stateDirOf = path: lib.removePrefix "/var/lib/" path;
  underVarLib = path: lib.hasPrefix "/var/lib/" path && path != "/var/lib/";

  folderTierPaths = lib.mapAttrsToList (_: tier: tier.path) (
    lib.filterAttrs (_: tier: (tier.kind or null) == "folder" && tier ? path) (
      cfg.settings.storage.tiers or { }
    )
  );

  bindsPrivilegedPort = cfg.components.ui.enable && cfg.http.port < 1024;

  hardening = {
    NoNewPrivileges = true;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    PrivateUsers = !bindsPrivilegedPort;
    ProtectHostname = true;
    ProtectClock = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectProc = "invisible";
    RestrictAddressFamilies = [
      "AF_INET"
      "AF_INET6"
      "AF_UNIX"
    ];
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    # V8 compiles JavaScript to machine code at run time: it needs writable and executable
    # memory, which MemoryDenyWriteExecute would forbid (node aborts at start with it).
    MemoryDenyWriteExecute = false;
    SystemCallArchitectures = "native";
    SystemCallFilter = [
      "@system-service"
      "~@privileged"
    ];
    SystemCallErrorNumber = "EPERM";
    CapabilityBoundingSet = if bindsPrivilegedPort then [ "CAP_NET_BIND_SERVICE" ] else [ "" ];
    AmbientCapabilities = if bindsPrivilegedPort then [ "CAP_NET_BIND_SERVICE" ] else [ "" ];
    DevicePolicy = "closed";
    UMask = "0077";
  };

  componentService = name: {
    description = "CIM component ${name}";
    wantedBy = [ "multi-user.target" ];
    wants = [ "network-online.target" ] ++ lib.optional cfg.nats.createLocally "cim-nats.service";
    after = [ "network-online.target" ] ++ lib.optional cfg.nats.createLocally "cim-nats.service";
    # A new config file or package restarts the component.
    restartTriggers = [ config.environment.etc."cim/config.json".source ];
    environment = {
      NODE_ENV = "production";
      HOME = cfg.dataDir;
    };
    serviceConfig = hardening // {
      Type = "simple";
      ExecStart = "${lib.getExe cfg.package} serve --component ${name} --config ${configPath}";
      # Every cim service runs as the same dynamic user "cim", so components on one machine
      # share the data folder (systemd gives one UID to one dynamic user name).
      DynamicUser = true;
      User = "cim";
      Group = "cim";
      StateDirectory = [ (stateDirOf cfg.dataDir) ] ++ map stateDirOf (lib.filter underVarLib folderTierPaths);
      StateDirectoryMode = "0750";
      WorkingDirectory = cfg.dataDir;
      ReadWritePaths = lib.filter (path: !(underVarLib path)) folderTierPaths;
      LoadCredential = credentials.loadCredential.${name};
      Restart = "on-failure";
      RestartSec = 5;
      # cim stops its consumers and drains its NATS connection on SIGTERM.
      KillSignal = "SIGTERM";
      TimeoutStopSec = 30;
    };
  };
in
{
  options.services.cim = {
    enable = mkEnableOption "CIM, the Composable Information Machine";

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./package.nix { } (the flake's packages.default when the module comes from the flake)";
      description = "The CIM package whose `bin/cim` runs each component.";
    };

    components = lib.genAttrs componentNames (name: {
      enable = mkEnableOption ''
        the `${name}` component: a systemd service `cim-${name}` running
        `cim serve --component ${name} --config ${configPath}`
      '';
      natsCredentialsFile = mkOption {
        type = types.nullOr secretPath;
        default = null;
        example = "/run/agenix/cim-${name}.creds";
        description = ''
          The `${name}` component's NATS user: the `.creds` file `cim nats init` wrote for it
          (`<nats.auth>/creds/${name}.creds`), holding its JWT and nkey seed. Given to
          `cim-${name}` alone by LoadCredential as `nats.creds`, which `settings.nats.credentials`
          names; the file may be root-only. A string, never a Nix path or a store path: the store
          is readable by everyone. Set it for every enabled component or for none.
        '';
      };
    });

    settings = mkOption {
      type = settingsFormat.type;
      default = { };
      example = literalExpression ''
        {
          log.level = "debug";
          pipeline.workers = 2;
          storage.eventArchive = { to = "cold"; olderThanDays = 365; };
        }
      '';
      description = ''
        CIM's configuration, written as JSON to `${configPath}`, the file every component reads
        (`--config`). Fields and defaults: docs/operations.md, "Configuration"; unknown fields
        stop the start. The typed options (`natsUrl`, `http`, `dataDir`, `tiers`) are merged in
        with default priority, so a value set here for the same field wins. Never put secrets
        here: the file is in the Nix store. Use `credentialFiles`.
      '';
    };

    natsUrl = mkOption {
      type = types.nullOr types.str;
      default = if cfg.nats.createLocally then "nats://${natsClientHost}:${toString natsClient.port}" else null;
      defaultText = literalExpression ''
        if nats.createLocally then "nats://127.0.0.1:<port of nats.topology.clientListen>" else null
      '';
      example = "nats://10.233.7.1:4222";
      description = ''
        The NATS server the components use (`settings.nats.url`). `null` (and no
        `settings.nats.url`): each component starts its own managed nats-server in the data
        folder, which is only right for a single-component test machine.
      '';
    };

    http = {
      host = mkOption {
        type = types.str;
        default = "127.0.0.1";
        example = "0.0.0.0";
        description = ''
          Address the `ui` component's HTTP API and web UI listen on (`settings.http.host`). Off
          loopback CIM refuses to start without sign-in configured (docs/security.md); give it
          `http.tls`, or a TLS proxy in front, so passwords and cookies do not cross the network
          in the clear.
        '';
      };
      port = mkOption {
        type = types.port;
        default = 8080;
        description = "Port of the `ui` component's HTTP API and web UI (`settings.http.port`).";
      };
      tls = mkOption {
        type = types.nullOr (
          types.submodule {
            options = {
              certFile = mkOption {
                type = secretPath;
                example = "/var/lib/acme/cim.example.org/fullchain.pem";
                description = "PEM certificate (with its chain) of the HTTPS listener.";
              };
              keyFile = mkOption {
                type = secretPath;
                example = "/var/lib/acme/cim.example.org/key.pem";
                description = "PEM private key of the certificate; may be root-only.";
              };
            };
          }
        );
        default = null;
        description = ''
          Serve HTTPS on the `ui` component (`settings.http.tls`; the session cookie is then
          `Secure`). Both files go to `cim-ui` alone by LoadCredential (`http-cert.pem`,
          `http-key.pem`); strings, never store paths. A new certificate takes effect when
          `cim-ui` restarts (systemd copies credentials at start).
        '';
      };
    };

    auth.adminCredentialsFile = mkOption {
      type = types.nullOr secretPath;
      default = null;
      example = "/run/agenix/cim-first-admin";
      description = ''
        The first admin's credentials file, `username:password` on one line (docs/security.md,
        "Authentication and authorization"): the first component to start with no user yet
        creates that admin, so no default password exists. Given to every cim service by
        LoadCredential as `first-admin` (`settings.auth.adminCredentialsFile`); a string, never a
        store path. Remove it (and this option) once the admin has signed in and changed the
        password.
      '';
    };

    dataDir = mkOption {
      type = types.str;
      default = "/var/lib/cim";
      description = ''
        The data folder (`settings.dataDir`): read models (catalog, search), upload spool. It
        must be below /var/lib: it is the services' systemd StateDirectory (the services run as
        a dynamic user, so the real folder is /var/lib/private/<name>, linked from here).
      '';
    };

    tiers = mkOption {
      type = types.attrsOf settingsFormat.type;
      default = { };
      example = literalExpression ''
        {
          warm = {
            kind = "s3";
            endpoint = "http://minio.lan:9000";
            bucket = "cim";
            prefix = "node-1/";
            accessKeyIdFile = "warm-access-key-id";          # a credentialFiles name
            secretAccessKeyFile = "warm-secret-access-key";  # a credentialFiles name
          };
          cold = { kind = "folder"; path = "/var/lib/cim-archive"; };
        }
      '';
      description = ''
        Storage tiers below the hot object store, by name (`settings.storage.tiers`; fields in
        docs/operations.md, "Storage tiers"). S3 keys are file names relative to
        `$CREDENTIALS_DIRECTORY`: name them in `credentialFiles`. A folder tier below /var/lib
        becomes a StateDirectory of the services; elsewhere it is made writable
        (ReadWritePaths) and must already be writable by the `cim` dynamic user.
      '';
    };

    credentialFiles = mkOption {
      type = types.attrsOf secretPath;
      default = { };
      example = {
        warm-access-key-id = "/run/agenix/cim-warm-access-key-id";
        warm-secret-access-key = "/run/secrets/cim/warm-secret-access-key";
      };
      description = ''
        Secrets given to every cim service with systemd `LoadCredential` (`NAME:PATH`): each
        file is readable by the service as `$CREDENTIALS_DIRECTORY/NAME`, which is where CIM
        looks up a relative `accessKeyIdFile`/`secretAccessKeyFile`. Paths are strings on the
        machine (agenix, sops-nix, or any root-only file), never Nix paths: a file in the Nix
        store is readable by everyone, and a store path is refused.
      '';
    };

    nats = {
      createLocally = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Run a nats-server with JetStream on this machine as the systemd service `cim-nats`,
          configured from `nats.topology` by nix/lib/nats-config.nix, and point `natsUrl` at it.
        '';
      };

      package = mkOption {
        type = types.package;
        default = pkgs.nats-server;
        defaultText = literalExpression "pkgs.nats-server";
        description = "The nats-server run by `cim-nats` (2.10.23 or newer: decision 0015).";
      };

      sync = mkOption {
        type = types.either (types.enum [ "always" ]) (types.strMatching "[1-9][0-9]*(ms|s|m|h)");
        default = "always";
        example = "2m";
        description = ''
          JetStream's `sync_interval` for `cim-nats` and for the components' managed servers
          (`settings.nats.sync`). `always` (the default) flushes every write to disk before it is
          acknowledged, so a power cut or kernel crash loses no acknowledged event or unit; a
          duration such as `2m` (nats-server's own default) flushes on a timer and acknowledges at
          once, several times faster for small writes, and a crash loses what was acknowledged
          since the last flush. See docs/operations.md, "Durability".
        '';
      };

      tls = {
        caFile = mkOption {
          type = types.nullOr secretPath;
          default = null;
          example = "/etc/cim/nats-ca.pem";
          description = ''
            CA certificate the components verify the NATS server with (`settings.nats.tls.ca`,
            loaded as `nats-ca.pem`). For a server certificate not signed by a CA the system
            trusts.
          '';
        };
        certFile = mkOption {
          type = types.nullOr secretPath;
          default = null;
          description = ''
            Client certificate the components present to the NATS server (mutual TLS;
            `settings.nats.tls.cert`, loaded as `nats-cert.pem`). Goes with `keyFile`.
          '';
        };
        keyFile = mkOption {
          type = types.nullOr secretPath;
          default = null;
          description = ''
            Key of the client certificate (`settings.nats.tls.key`, loaded as `nats-key.pem`); may
            be root-only. A string, never a store path.
          '';
        };
      };

      authDir = mkOption {
        type = types.nullOr secretPath;
        default = null;
        example = "/run/agenix/cim-nats-auth";
        description = ''
          The folder `cim nats init` wrote (operator, accounts, users; the config file's
          `nats.auth`). With `nats.createLocally`, `cim-nats` loads its `resolver.conf` (the
          operator and account JWTs, no secret) by LoadCredential, so the server accepts only
          the users of that account: give each component its `natsCredentialsFile`. The seeds in
          `keys/` never leave that folder; keep it root-only, on this machine or another.
        '';
      };

      topology = mkOption {
        type = types.attrsOf types.anything;
        default = {
          serverName = config.networking.hostName;
          clientListen = "127.0.0.1:4222";
          storeDir = "/var/lib/cim-nats";
        };
        defaultText = literalExpression ''
          { serverName = config.networking.hostName; clientListen = "127.0.0.1:4222"; storeDir = "/var/lib/cim-nats"; }
        '';
        example = literalExpression ''
          {
            serverName = "leaf-1";
            clientListen = "0.0.0.0:4222";
            monitorListen = "127.0.0.1:8222";
            storeDir = "/var/lib/cim-nats";
            domain = "leaf-1";
            leafRemotes = [
              {
                url = "nats-leaf://hub.lan:7422";
                credentialsFile = "/run/agenix/leaf.creds";
                denyImports = [ "cim.>" "$O.cim-content.>" "$KV.cim-projections.>" "$KV.cim-registry.>" "$KV.cim-step-results.>" "$KV.cim-dead-letters.>" "$KV.cim-content-reads.>" ];
                denyExports = [ "cim.>" "$O.cim-content.>" "$KV.cim-projections.>" "$KV.cim-registry.>" "$KV.cim-step-results.>" "$KV.cim-dead-letters.>" "$KV.cim-content-reads.>" ];
              }
            ];
          }
        '';
        description = ''
          This server's place in the NATS topology, the input of nix/lib/nats-config.nix (and of
          CIM's TypeScript renderer, which gives the same text): `serverName`, `clientListen`
          ("HOST:PORT"), `monitorListen`?, `storeDir`, `domain`?, `maxPayload`?,
          `cluster`? { name, listen, routes }, `leafListen`?, `leafAdvertise`? ("HOST:PORT"),
          `leafRemotes`? [ { url or urls, credentialsFile?, denyImports?, denyExports? } ],
          `tls`? { certFile, keyFile, caFile? }. A CIM leaf denies CIM's subjects on its remote
          both ways, as in the example (`cim deploy render` and `cim leaf init` write them): a
          leaf's events would otherwise also be stored by the hub's own streams.
          `storeDir` must be below /var/lib (it is the StateDirectory of `cim-nats`). TLS files
          and leaf credentials are handed over by LoadCredential, so they may be root-only.
          The sync policy is `nats.sync`, not a topology field.
        '';
      };
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Open `http.port` (when the `ui` component is enabled) and, with `nats.createLocally`,
        the topology's client, cluster and leaf-node ports in the firewall. The NATS monitoring
        port is never opened.
      '';
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = [
        {
          assertion = cfg.nats.authDir == null || cfg.nats.createLocally;
          message = "services.cim.nats.authDir is the local server's (cim-nats): set nats.createLocally, or configure the server the components reach where it runs.";
        }
        {
          assertion = lib.all (credName: builtins.match "[A-Za-z0-9_.-]+" credName != null) (
            lib.attrNames cfg.credentialFiles
          );
          message = "services.cim.credentialFiles: names are letters, digits, '.', '_' and '-' (they become file names in $CREDENTIALS_DIRECTORY).";
        }
        {
          assertion = underVarLib cfg.dataDir;
          message = "services.cim.dataDir must be below /var/lib (it is the services' StateDirectory), not ${cfg.dataDir}.";
        }
        {
          assertion = !cfg.nats.createLocally || underVarLib (topology.storeDir or "");
          message = "services.cim.nats.topology.storeDir must be below /var/lib (it is the StateDirectory of cim-nats).";
        }
      ]
      ++ map (message: {
        assertion = false;
        inherit message;
      }) credentials.problems;

      services.cim.settings = lib.mapAttrsRecursive (_: mkDefault) credentials.settings;
    }

    {
      services.cim.settings = {
        dataDir = mkDefault cfg.dataDir;
        http = {
          host = mkDefault cfg.http.host;
          port = mkDefault cfg.http.port;
        };
        nats = {
          url = mkIf (cfg.natsUrl != null) (mkDefault cfg.natsUrl);
          # Used only when no URL is set (a managed server): the store's binary, not $PATH's.
          serverBin = mkDefault "${cfg.nats.package}/bin/nats-server";
          sync = mkDefault cfg.nats.sync;
        };
        storage.tiers = mkDefault cfg.tiers;
      };

      environment.etc."cim/config.json".source = settingsFormat.generate "cim-config.json" cfg.settings;

      # `cim status`, `cim pipeline apply` and friends on the machine's command line.
      environment.systemPackages = [ cfg.package ];

      systemd.services = lib.listToAttrs (
        map (name: lib.nameValuePair "cim-${name}" (componentService name)) enabledComponents
      );

      networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall (
        lib.optional cfg.components.ui.enable cfg.http.port
        ++ lib.optionals cfg.nats.createLocally natsPublicPorts
      );
    }

    (mkIf cfg.nats.createLocally {
      systemd.services.cim-nats = {
        description = "NATS server with JetStream for CIM";
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
        restartTriggers = [ natsConfigFile ];
        serviceConfig = hardening // {
          Type = "simple";
          ExecStartPre = lib.optional (natsAuthDir != null) natsAssembleConfig;
          ExecStart = "${cfg.nats.package}/bin/nats-server -c ${
            if natsAuthDir != null then natsRuntimeConfig else natsConfigFile
          }";
          RuntimeDirectory = "cim-nats";
          RuntimeDirectoryMode = "0700";
          ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
          DynamicUser = true;
          User = "cim-nats";
          Group = "cim-nats";
          StateDirectory = stateDirOf topology.storeDir;
          StateDirectoryMode = "0750";
          WorkingDirectory = topology.storeDir;
          LoadCredential = natsCredentials;
          Restart = "on-failure";
          RestartSec = 2;
          # nats-server flushes JetStream and leaves the cluster cleanly on SIGTERM (lame duck
          # would be SIGUSR2); give a large store time to sync.
          TimeoutStopSec = 60;
          LimitNOFILE = 65536;
          # Go, not V8: no writable executable memory needed here.
          MemoryDenyWriteExecute = true;
        };
      };
    })
  ]);
}
