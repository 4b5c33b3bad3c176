# One OCI image per component (dockerTools.buildLayeredImage): `cim serve --component NAME
# --config /etc/cim/config.json`. The config file comes from outside (the Kubernetes ConfigMap of
# nix/k8s.nix, or a bind mount); the data folder /var/lib/cim is a volume.
# `docker load < $(nix build .#ui-image --print-out-paths)` loads one.
{
  lib,
  dockerTools,
  cacert,
  cim,
}:
let
  components = import ./lib/components.nix;
  image =
    name:
    dockerTools.buildLayeredImage {
      name = "cim-${name}";
      tag = cim.version;
      contents = [ cacert ];
      # An empty data folder and /tmp, owned by the unprivileged user the image runs as.
      extraCommands = ''
        mkdir -p var/lib/cim etc/cim tmp
        chmod 1777 tmp
      '';
      fakeRootCommands = ''
        chown -R 1000:1000 var/lib/cim
      '';
      config = {
        Entrypoint = [
          (lib.getExe cim)
          "serve"
          "--component"
          name
          "--config"
          "/etc/cim/config.json"
        ];
        User = "1000:1000";
        WorkingDir = "/var/lib/cim";
        Env = [
          "NODE_ENV=production"
          "HOME=/var/lib/cim"
          "SSL_CERT_FILE=${cacert}/etc/ssl/certs/ca-bundle.crt"
        ];
        Volumes = {
          "/var/lib/cim" = { };
        };
        ExposedPorts = lib.optionalAttrs (name == "ui") { "8080/tcp" = { }; };
        Labels = {
          "org.opencontainers.image.title" = "cim-${name}";
          "org.opencontainers.image.version" = cim.version;
        };
      };
    };
in
lib.listToAttrs (map (name: lib.nameValuePair "${name}-image" (image name)) components)
