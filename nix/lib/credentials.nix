# How the secrets of one machine's cim services reach them: for each component, its systemd
# LoadCredential lines (NAME:PATH, the file read by systemd as root and handed to the service as
# $CREDENTIALS_DIRECTORY/NAME), and the settings naming those NAMEs, the only thing the config
# file (in the Nix store) says about a secret. CIM resolves a relative path of nats.credentials,
# nats.tls, http.tls, an S3 tier's key files and the first admin's file in
# $CREDENTIALS_DIRECTORY. Pure, builtins only, so `nix-instantiate --eval` runs it without
# nixpkgs; nix/module.nix uses it and src/deploy/credentials-nix.int.test.ts checks it.
{
  # The components enabled on this machine.
  components,
  # Component name -> path of that component's NATS `.creds` (a user of `cim nats init`).
  natsCredentialsFiles ? { },
  # { caFile?, certFile?, keyFile? }: TLS of the components' NATS connections.
  natsTls ? { },
  # null or { certFile, keyFile }: HTTPS on the ui component.
  httpTls ? null,
  # null or the path of the first admin's credentials file (`username:password`), read at start
  # by whichever component finds no user yet: every component gets it.
  adminCredentialsFile ? null,
  # Name -> path: secrets every component gets under NAME (S3 keys of the tiers).
  credentialFiles ? { },
  # Prefix of option names in problem sentences.
  optionPrefix ? "services.cim",
}:
let
  present = set: name: builtins.hasAttr name set && set.${name} != null;
  nonNull = set: builtins.listToAttrs (
    builtins.concatMap (
      name: if set.${name} == null then [ ] else [ { inherit name; value = set.${name}; } ]
    ) (builtins.attrNames set)
  );
  hasPrefix = prefix: s: builtins.substring 0 (builtins.stringLength prefix) s == prefix;
  enabled = name: builtins.elem name components;

  # The names CIM's settings give these files in $CREDENTIALS_DIRECTORY.
  names = {
    natsCreds = "nats.creds";
    natsCa = "nats-ca.pem";
    natsCert = "nats-cert.pem";
    natsKey = "nats-key.pem";
    httpCert = "http-cert.pem";
    httpKey = "http-key.pem";
    admin = "first-admin";
  };

  tls = nonNull natsTls;
  natsTlsFiles =
    (if present tls "caFile" then [ { name = names.natsCa; path = tls.caFile; } ] else [ ])
    ++ (if present tls "certFile" then [ { name = names.natsCert; path = tls.certFile; } ] else [ ])
    ++ (if present tls "keyFile" then [ { name = names.natsKey; path = tls.keyFile; } ] else [ ]);
  httpTlsFiles =
    if httpTls == null then
      [ ]
    else
      [
        { name = names.httpCert; path = httpTls.certFile; }
        { name = names.httpKey; path = httpTls.keyFile; }
      ];
  adminFiles = if adminCredentialsFile == null then [ ] else [ { name = names.admin; path = adminCredentialsFile; } ];
  shared = map (name: { inherit name; path = credentialFiles.${name}; }) (builtins.attrNames credentialFiles);

  credsOf = nonNull natsCredentialsFiles;
  withCreds = builtins.filter (name: present credsOf name) components;

  # Every file a component's service gets, as { name, path }.
  filesOf =
    component:
    shared
    ++ adminFiles
    ++ natsTlsFiles
    ++ (if present credsOf component then [ { name = names.natsCreds; path = credsOf.${component}; } ] else [ ])
    ++ (if component == "ui" then httpTlsFiles else [ ]);

  byComponent = f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) components);

  pathProblems =
    option: path:
    if !(hasPrefix "/" path) then
      [ "${option}: give the absolute path of a root-only file on the machine (agenix, sops-nix), not ${path}." ]
    else if hasPrefix builtins.storeDir path then
      [ "${option}: a secret must not be in the Nix store (everyone can read it there); give the path of a root-only file, e.g. from agenix or sops-nix." ]
    else
      [ ];

  reserved = builtins.attrValues names;
in
{
  settings =
    (if withCreds == [ ] && natsTlsFiles == [ ] then
      { }
    else
      {
        nats =
          (if withCreds == [ ] then { } else { credentials = names.natsCreds; })
          // (if natsTlsFiles == [ ] then
            { }
          else
            {
              tls =
                (if present tls "caFile" then { ca = names.natsCa; } else { })
                // (if present tls "certFile" then { cert = names.natsCert; } else { })
                // (if present tls "keyFile" then { key = names.natsKey; } else { });
            });
      })
    // (if httpTls == null then { } else { http.tls = { cert = names.httpCert; key = names.httpKey; }; })
    // (if adminCredentialsFile == null then { } else { auth.adminCredentialsFile = names.admin; });

  # Component -> LoadCredential lines of its service.
  loadCredential = byComponent (component: map (f: "${f.name}:${f.path}") (filesOf component));

  # Component -> the paths on the machine its service reads (what a container must see).
  paths = byComponent (component: map (f: f.path) (filesOf component));

  problems =
    builtins.concatMap (
      name: pathProblems "${optionPrefix}.components.${name}.natsCredentialsFile" credsOf.${name}
    ) (builtins.attrNames credsOf)
    ++ builtins.concatMap (f: pathProblems "${optionPrefix}.nats.tls" f.path) natsTlsFiles
    ++ builtins.concatMap (f: pathProblems "${optionPrefix}.http.tls" f.path) httpTlsFiles
    ++ builtins.concatMap (f: pathProblems "${optionPrefix}.auth.adminCredentialsFile" f.path) adminFiles
    ++ builtins.concatMap (f: pathProblems "${optionPrefix}.credentialFiles.${f.name}" f.path) shared
    ++ builtins.concatMap (
      name:
      if enabled name then
        [ ]
      else
        [ "${optionPrefix}.components.${name}.natsCredentialsFile is set, but the ${name} component is not enabled here." ]
    ) (builtins.attrNames credsOf)
    ++ (
      if withCreds != [ ] && builtins.length withCreds != builtins.length components then
        [
          "${optionPrefix}: give every enabled component its natsCredentialsFile, or none (they share one config file, whose nats.credentials names each service's own file); missing: ${
            builtins.concatStringsSep ", " (builtins.filter (name: !(present credsOf name)) components)
          }."
        ]
      else
        [ ]
    )
    ++ (
      if (present tls "certFile") != (present tls "keyFile") then
        [ "${optionPrefix}.nats.tls: certFile and keyFile go together (a client certificate needs its key)." ]
      else
        [ ]
    )
    ++ (
      if httpTls != null && !(enabled "ui") then
        [ "${optionPrefix}.http.tls is for the ui component, which is not enabled here." ]
      else
        [ ]
    )
    ++ builtins.concatMap (
      name:
      if builtins.elem name reserved then
        [ "${optionPrefix}.credentialFiles.${name}: the name ${name} is CIM's own (${builtins.concatStringsSep ", " reserved}); choose another." ]
      else
        [ ]
    ) (builtins.attrNames credentialFiles);
}
