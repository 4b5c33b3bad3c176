# Kubernetes manifests: a ConfigMap holding /etc/cim/config.json, one Deployment per component
# (the images of nix/images.nix) and a Service for the ui. NATS JetStream is not in here: run
# it with the NATS Helm chart (JetStream enabled) as the Service `nats`, or change natsUrl.
# Output: one YAML file per object and all.yaml (every object, `---` between them), for
# `kubectl apply -f result/` or `kubectl apply -f result/all.yaml`.
{
  lib,
  runCommand,
  formats,
  images,
  namespace ? "cim",
  natsUrl ? "nats://nats:4222",
  settings ? { },
}:
let
  components = import ./lib/components.nix;
  labels = name: {
    "app.kubernetes.io/name" = "cim";
    "app.kubernetes.io/component" = name;
  };

  config = lib.recursiveUpdate {
    dataDir = "/var/lib/cim";
    http = {
      host = "0.0.0.0";
      port = 8080;
    };
    nats.url = natsUrl;
  } settings;

  configMap = {
    apiVersion = "v1";
    kind = "ConfigMap";
    metadata = {
      name = "cim-config";
      inherit namespace;
    };
    data."config.json" = builtins.toJSON config;
  };

  deployment =
    name:
    let
      img = images."${name}-image";
    in
    {
      apiVersion = "apps/v1";
      kind = "Deployment";
      metadata = {
        name = "cim-${name}";
        inherit namespace;
        labels = labels name;
      };
      spec = {
        # One each: units keeps its catalog in its data folder (rebuilt from the stream at
        # start), and the pipeline's consumers are shared anyway.
        replicas = 1;
        strategy.type = "Recreate";
        selector.matchLabels = labels name;
        template = {
          metadata.labels = labels name;
          spec = {
            securityContext = {
              runAsNonRoot = true;
              runAsUser = 1000;
              runAsGroup = 1000;
              fsGroup = 1000;
              seccompProfile.type = "RuntimeDefault";
            };
            containers = [
              ({
                inherit name;
                image = "${img.imageName}:${img.imageTag}";
                imagePullPolicy = "IfNotPresent";
                securityContext = {
                  allowPrivilegeEscalation = false;
                  readOnlyRootFilesystem = true;
                  capabilities.drop = [ "ALL" ];
                };
                volumeMounts = [
                  {
                    name = "config";
                    mountPath = "/etc/cim";
                    readOnly = true;
                  }
                  {
                    name = "data";
                    mountPath = "/var/lib/cim";
                  }
                  {
                    name = "tmp";
                    mountPath = "/tmp";
                  }
                ];
              }
              // lib.optionalAttrs (name == "ui") {
                ports = [
                  {
                    name = "http";
                    containerPort = 8080;
                  }
                ];
                readinessProbe = {
                  httpGet = {
                    path = "/api/health";
                    port = "http";
                  };
                  periodSeconds = 5;
                };
              })
            ];
            volumes = [
              {
                name = "config";
                configMap.name = "cim-config";
              }
              {
                name = "data";
                emptyDir = { };
              }
              {
                name = "tmp";
                emptyDir = { };
              }
            ];
          };
        };
      };
    };

  uiService = {
    apiVersion = "v1";
    kind = "Service";
    metadata = {
      name = "cim-ui";
      inherit namespace;
      labels = labels "ui";
    };
    spec = {
      selector = labels "ui";
      ports = [
        {
          name = "http";
          port = 8080;
          targetPort = "http";
        }
      ];
    };
  };

  objects = [ configMap ] ++ map deployment components ++ [ uiService ];

  yaml = formats.yaml { };
  files = map (object: rec {
    name = "${lib.toLower object.kind}-${object.metadata.name}.yaml";
    file = yaml.generate name object;
  }) objects;
in
runCommand "cim-k8s-manifests" { } ''
  mkdir -p $out
  ${lib.concatMapStrings (f: ''
    cp ${f.file} $out/${f.name}
    { echo "---"; cat ${f.file}; } >> $out/all.yaml
  '') files}
''
