# cim.host: the hyper-converged CIM host. The host itself runs only NATS JetStream (cim-nats),
# the firewall and the container runtime; each enabled component runs in its own NixOS container
# (containers.cim-<name>) on a private point-to-point network, reaching the host's NATS and
# nothing else.
#
# NATS: this uses services.cim's own `cim-nats` (nats.createLocally) rather than nixpkgs'
# services.nats. The server's configuration is then exactly the text nix/lib/nats-config.nix
# renders, the text CIM's TypeScript renderer is tested to reproduce (and `nats-server -t` to
# accept), for a leaf, a cluster member or a hub alike; services.nats would build a second,
# different rendering from its own `settings`. cim-nats also runs under a dynamic user with the
# same hardening as the components, and takes TLS keys and leaf credentials by LoadCredential.
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
    types
    literalExpression
    ;

  cfg = config.cim.host;
  settingsFormat = pkgs.formats.json { };
  secretPath = types.strMatching "/.+";

  # Fixed order: a component's address does not move when another one is added or removed.
  componentNames = import ./lib/components.nix;
  addressIndex = {
    events = 10;
    units = 11;
    registry = 12;
    pipeline = 13;
    ui = 14;
  };

  hostAddress = "${cfg.subnet}.1";
  localAddress = name: "${cfg.subnet}.${toString addressIndex.${name}}";

  natsClientListen = lib.splitString ":" cfg.natsTopology.clientListen;
  natsClientHost = lib.concatStringsSep ":" (lib.init natsClientListen);
  natsPort = lib.toInt (lib.last natsClientListen);

  uiPort = 8080;

  # The profile decides where each container listens and which server it reaches: these fields
  # of `settings` (an inventory's, rendered by `cim deploy render`) describe the host, and inside
  # a container's private network 127.0.0.1 is the container itself.
  containerSettings =
    builtins.removeAttrs cfg.settings [ "dataDir" ]
    // {
      nats = builtins.removeAttrs (cfg.settings.nats or { }) [ "url" ];
      http = builtins.removeAttrs (cfg.settings.http or { }) [
        "host"
        "port"
      ];
    };

  credentialPaths =
    name:
    (import ./lib/credentials.nix {
      components = [ name ];
      natsCredentialsFiles = lib.optionalAttrs (cfg.natsCredentialsFiles ? ${name}) {
        ${name} = cfg.natsCredentialsFiles.${name};
      };
      natsTls = cfg.natsTls;
      httpTls = if name == "ui" then cfg.httpTls else null;
      inherit (cfg) adminCredentialsFile credentialFiles;
      optionPrefix = "cim.host";
    }).paths.${name};

  # The host's own state version, so containers created together with it age together.
  stateVersion = config.system.stateVersion;

  container = name: {
    autoStart = true;
    privateNetwork = true;
    inherit hostAddress;
    localAddress = localAddress name;

    # Credential files stay on the host (agenix, sops-nix): each is bind-mounted read-only at the
    # same path, so the container's LoadCredential finds it. Nothing is copied into the store,
    # and a container sees only the files its component reads (its own NATS user's, not the
    # others').
    bindMounts = lib.listToAttrs (
      map (
        path:
        lib.nameValuePair path {
          hostPath = path;
          isReadOnly = true;
        }
      ) (credentialPaths name)
    );

    forwardPorts = lib.optional (name == "ui" && cfg.ui.hostPort != null) {
      protocol = "tcp";
      hostPort = cfg.ui.hostPort;
      containerPort = uiPort;
    };

    config = {
      imports = [ ./module.nix ];
      system.stateVersion = stateVersion;
      networking.firewall.enable = true;
      services.cim = {
        enable = true;
        package = cfg.package;
        components.${name} = {
          enable = true;
          natsCredentialsFile = cfg.natsCredentialsFiles.${name} or null;
        };
        natsUrl = "nats://${hostAddress}:${toString natsPort}";
        # Only the ui serves HTTP; it listens on the container's address so the host (and a
        # forwarded port) can reach it, and its container opens that port, nothing else.
        http = {
          host = if name == "ui" then "0.0.0.0" else "127.0.0.1";
          port = uiPort;
          tls = if name == "ui" then cfg.httpTls else null;
        };
        openFirewall = name == "ui";
        settings = containerSettings;
        inherit (cfg) credentialFiles;
        nats.tls = cfg.natsTls;
        auth.adminCredentialsFile = cfg.adminCredentialsFile;
      };
    };
  };
in
{
  imports = [ ./module.nix ];

  options.cim.host = {
    enable = mkEnableOption "the CIM host profile: NATS JetStream on the host, one NixOS container per CIM component";

    package = mkOption {
      type = types.package;
      default = config.services.cim.package;
      defaultText = literalExpression "config.services.cim.package";
      description = "The CIM package the containers run.";
    };

    components = mkOption {
      type = types.listOf (types.enum componentNames);
      default = componentNames;
      example = [
        "events"
        "units"
        "ui"
      ];
      description = ''
        The components this host runs, each in its own container `cim-<name>` with only that
        component enabled (`cim serve --component <name>`).
      '';
    };

    natsTopology = mkOption {
      type = types.attrsOf types.anything;
      default = {
        serverName = config.networking.hostName;
        clientListen = "0.0.0.0:4222";
        storeDir = "/var/lib/cim-nats";
      };
      defaultText = literalExpression ''
        { serverName = config.networking.hostName; clientListen = "0.0.0.0:4222"; storeDir = "/var/lib/cim-nats"; }
      '';
      description = ''
        The host's nats-server in the CIM topology (services.cim.nats.topology: the input of
        nix/lib/nats-config.nix). `clientListen` must listen where the containers reach it: all
        addresses ("0.0.0.0:PORT", the firewall then admits the client port only from the
        containers' interfaces) or the containers' host address (`subnet`.1).
      '';
    };

    settings = mkOption {
      type = settingsFormat.type;
      default = { };
      description = ''
        CIM settings for every container (services.cim.settings): docs/operations.md,
        "Configuration". `nats.url`, `http.host`, `http.port` and `dataDir` are the profile's
        (ignored here: see `ui.hostPort`); no secrets here.
      '';
    };

    credentialFiles = mkOption {
      type = types.attrsOf secretPath;
      default = { };
      example = {
        warm-access-key-id = "/run/agenix/cim-warm-access-key-id";
        warm-secret-access-key = "/run/agenix/cim-warm-secret-access-key";
      };
      description = ''
        Secret files on the host (services.cim.credentialFiles), bind-mounted read-only into
        every container and given to its service by LoadCredential as `$CREDENTIALS_DIRECTORY/NAME`.
      '';
    };

    natsCredentialsFiles = mkOption {
      type = types.attrsOf secretPath;
      default = { };
      example = {
        events = "/run/agenix/cim-events.creds";
        ui = "/run/agenix/cim-ui.creds";
      };
      description = ''
        Each component's NATS user, by component: the `.creds` files `cim nats init` wrote
        (`<nats.auth>/creds/<component>.creds`). Container `cim-<component>` gets its own file
        only (services.cim.components.<component>.natsCredentialsFile). Give one to every
        component of `components`, or none; with `natsAuthDir` the host's server requires them.
      '';
    };

    natsAuthDir = mkOption {
      type = types.nullOr secretPath;
      default = null;
      example = "/run/agenix/cim-nats-auth";
      description = ''
        The folder `cim nats init` wrote, for the host's `cim-nats` (services.cim.nats.authDir):
        it loads `resolver.conf` from it and then admits only the account's users.
      '';
    };

    natsTls = mkOption {
      type = types.submodule {
        options = lib.genAttrs [ "caFile" "certFile" "keyFile" ] (field: mkOption {
          type = types.nullOr secretPath;
          default = null;
          description = "services.cim.nats.tls.${field} of every container.";
        });
      };
      default = { };
      description = ''
        TLS of the containers' NATS connections (services.cim.nats.tls): the CA that signed the
        host server's certificate (`natsTopology.tls`), and a client pair for mutual TLS.
      '';
    };

    httpTls = mkOption {
      type = types.nullOr (
        types.submodule {
          options = {
            certFile = mkOption {
              type = secretPath;
              description = "PEM certificate (with its chain) of the ui's HTTPS listener.";
            };
            keyFile = mkOption {
              type = secretPath;
              description = "PEM key of that certificate; may be root-only.";
            };
          };
        }
      );
      default = null;
      description = "HTTPS on the ui container (services.cim.http.tls), its files mounted there alone.";
    };

    adminCredentialsFile = mkOption {
      type = types.nullOr secretPath;
      default = null;
      description = ''
        The first admin's credentials file (`username:password`), for every container
        (services.cim.auth.adminCredentialsFile): whichever component starts first with no user
        creates the admin.
      '';
    };

    subnet = mkOption {
      type = types.strMatching "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}";
      default = "10.233.7";
      description = ''
        First three octets of the /24 the containers' point-to-point links use: the host side is
        `.1` on every link, the containers `.10` (events), `.11` (units), `.12` (registry), `.13`
        (pipeline), `.14` (ui). Pick one no other network of the host uses.
      '';
    };

    ui.hostPort = mkOption {
      type = types.nullOr types.port;
      default = null;
      example = 8080;
      description = ''
        Forward this host port to the ui container's HTTP API and web UI, and open it in the
        firewall. `null`: the UI is reachable only from the host, at http://`subnet`.14:8080.
        Off loopback the ui requires sign-in (docs/security.md); give it `httpTls` or put a
        TLS proxy in front.
      '';
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = lib.elem natsClientHost [
          "0.0.0.0"
          "[::]"
          "::"
          ""
          hostAddress
        ];
        message = "cim.host.natsTopology.clientListen must listen on all addresses or on ${hostAddress}, where the containers reach it (it is ${cfg.natsTopology.clientListen}).";
      }
      {
        assertion =
          cfg.natsCredentialsFiles == { }
          || lib.sort lib.lessThan (lib.attrNames cfg.natsCredentialsFiles) == lib.sort lib.lessThan cfg.components;
        message = "cim.host.natsCredentialsFiles: give one .creds file to each component of cim.host.components (${lib.concatStringsSep ", " cfg.components}), or none; it names ${lib.concatStringsSep ", " (lib.attrNames cfg.natsCredentialsFiles)}.";
      }
    ];

    # The host: NATS JetStream only. No component runs here; /etc/cim/config.json points the
    # `cim` command line (cim events verify --nats …) at the local server.
    services.cim = {
      enable = true;
      nats.createLocally = true;
      nats.topology = cfg.natsTopology;
      nats.authDir = cfg.natsAuthDir;
      openFirewall = false;
    };

    containers = lib.listToAttrs (
      map (name: lib.nameValuePair "cim-${name}" (container name)) cfg.components
    );

    networking.firewall = {
      enable = true;
      # Closed except on purpose: the NATS client port on each component container's link only
      # (ve-cim-<name>; named one by one rather than the iptables wildcard ve-cim-+, which the
      # nftables backend does not understand), and the UI's forwarded port when asked for.
      # Cluster and leaf ports of the topology are opened by whoever adds such peers, with
      # networking.firewall.allowedTCPPorts or services.cim.openFirewall.
      interfaces = lib.listToAttrs (
        map (name: lib.nameValuePair "ve-cim-${name}" { allowedTCPPorts = [ natsPort ]; }) cfg.components
      );
      allowedTCPPorts = lib.optional (cfg.ui.hostPort != null && lib.elem "ui" cfg.components) cfg.ui.hostPort;
    };

    # A machine that only hosts: when SSH is on, keys only.
    services.openssh.settings = {
      PasswordAuthentication = lib.mkDefault false;
      KbdInteractiveAuthentication = lib.mkDefault false;
    };
  };
}
