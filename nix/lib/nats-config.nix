# The nats-server configuration file for one server of a CIM topology: a leaf node (its own
# JetStream domain, remotes to a hub), a cluster member (routes to its peers), a hub (accepts leaf
# connections), or a mix. Pure, builtins only, so `nix-instantiate --eval` runs it without
# nixpkgs; the NixOS module uses it, and CIM's TypeScript renderer (src/deploy/nats-config.ts)
# gives the same text for the same input (a test compares them).
topology:
let
  t = topology;
  opt = name: if builtins.hasAttr name t then t.${name} else null;
  optOf = set: name: if builtins.hasAttr name set then set.${name} else null;

  cluster = opt "cluster";
  tls = opt "tls";
  leafTls = opt "leafTls";
  auth = opt "auth";
  clusterTls = if cluster == null then null else optOf cluster "tls";
  leafListen = opt "leafListen";
  leafRemotes = opt "leafRemotes";

  tree = {
    server_name = t.serverName;
    listen = t.clientListen;
    http = opt "monitorListen";
    max_payload = opt "maxPayload";
    jetstream = {
      store_dir = t.storeDir;
      domain = opt "domain";
      # Fsync before acknowledging unless the topology says otherwise (decision 0015).
      sync_interval = if builtins.hasAttr "sync" t then t.sync else "always";
    };
    operator = if auth == null then null else auth.operatorFile;
    system_account = if auth == null then null else auth.systemAccount;
    resolver =
      if auth == null then null
      else { type = "full"; dir = auth.accountsDir; };
    cluster =
      if cluster == null then null
      else {
        inherit (cluster) name listen routes;
        tls =
          if clusterTls == null then null
          else {
            cert_file = clusterTls.certFile;
            key_file = clusterTls.keyFile;
            ca_file = clusterTls.caFile;
            verify = true;
          };
      };
    leafnodes =
      if leafListen == null && leafRemotes == null then null
      else {
        listen = leafListen;
        advertise = opt "leafAdvertise";
        remotes =
          if leafRemotes == null then null
          else map (r: {
            url = optOf r "url";
            urls = optOf r "urls";
            credentials = optOf r "credentialsFile";
            deny_imports = optOf r "denyImports";
            deny_exports = optOf r "denyExports";
            tls =
              if builtins.hasAttr "caFile" r then { ca_file = r.caFile; } else null;
          }) leafRemotes;
        tls =
          if leafTls == null then null
          else {
            cert_file = leafTls.certFile;
            key_file = leafTls.keyFile;
            ca_file = optOf leafTls "caFile";
          };
      };
    tls =
      if tls == null then null
      else {
        cert_file = tls.certFile;
        key_file = tls.keyFile;
        ca_file = optOf tls "caFile";
      };
  };

  indent = depth: builtins.concatStringsSep "" (builtins.genList (_: "  ") depth);

  isBlock = v: builtins.isAttrs v;

  renderValue = value: depth:
    if builtins.isString value then builtins.toJSON value
    else if builtins.isInt value then toString value
    else if builtins.isBool value then (if value then "true" else "false")
    else if builtins.isList value then
      (if value == [ ] then "[]"
       else "[\n"
         + builtins.concatStringsSep ""
             (map (v: indent (depth + 1) + renderValue v (depth + 1) + "\n") value)
         + indent depth + "]")
    else "{\n" + renderEntries value (depth + 1) + indent depth + "}";

  renderEntries = set: depth:
    builtins.concatStringsSep "" (map
      (key:
        let value = set.${key}; in
        indent depth + key + (if isBlock value then " " else ": ") + renderValue value depth + "\n")
      (builtins.filter (key: set.${key} != null) (builtins.attrNames set)));
in
assert builtins.isString t.serverName;
assert builtins.isString t.clientListen;
assert builtins.isString t.storeDir;
"# Rendered by CIM (src/deploy/nats-config.ts = nix/lib/nats-config.nix); do not edit.\n"
+ renderEntries tree 0
