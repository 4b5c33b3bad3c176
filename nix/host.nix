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

  # The host's own state version, so containers created together with it age together.
  stateVersion = config.system.stateVersion;

  container = name: {
    autoStart = true;
    privateNetwork = true;
    inherit hostAddress;
    localAddress = localAddress name;

    # Credential files stay on the host (agenix, sops-nix): each is bind-mounted read-only at the
    # same path, so the container's LoadCredential finds it. Nothing is copied into the store.
    bindMounts = lib.mapAttrs' (
      _: path:
      lib.nameValuePair path {
        hostPath = path;
        isReadOnly = true;
      }
    ) cfg.credentialFiles;

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
        components.${name}.enable = true;
        natsUrl = "nats://${hostAddress}:${toString natsPort}";
        # Only the ui serves HTTP; it listens on the container's address so the host (and a
        # forwarded port) can reach it, and its container opens that port, nothing else.
        http = {
          host = if name == "ui" then "0.0.0.0" else "127.0.0.1";
          port = uiPort;
        };
        openFirewall = name == "ui";
        inherit (cfg) settings credentialFiles;
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
        "Configuration". Leave `nats.url`, `http` and `dataDir` to the profile; no secrets here.
      '';
    };

    credentialFiles = mkOption {
      type = types.attrsOf types.str;
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
        CIM has no sign-in yet: prefer an authenticating reverse proxy on the host.
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
    ];

    # The host: NATS JetStream only. No component runs here; /etc/cim/config.json points the
    # `cim` command line (cim events verify --nats …) at the local server.
    services.cim = {
      enable = true;
      nats.createLocally = true;
      nats.topology = cfg.natsTopology;
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
