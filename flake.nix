{
  description = "CIM, the Composable Information Machine: package, dev shell, NixOS modules, images, Kubernetes manifests and VM tests";

  # nixos-unstable: its nodejs_20 is >= 20.19, which package.json's engines (and vite) require.
  # No flake.lock is committed yet (written without network): the first `nix flake lock` or
  # `nix flake check` writes one; commit it.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      cimOf = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
    in
    {
      packages = forAllSystems (
        pkgs:
        let
          cim = pkgs.callPackage ./nix/package.nix { };
          images = pkgs.callPackage ./nix/images.nix { inherit cim; };
        in
        {
          default = cim;
          inherit cim;
          k8s-manifests = pkgs.callPackage ./nix/k8s.nix { inherit images; };
        }
        // images
      );

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = lib.getExe (cimOf pkgs);
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.nodejs_20
            pkgs.python3 # node-gyp, for better-sqlite3
            pkgs.nats-server
            pkgs.natscli
            pkgs.minio
            pkgs.minio-client
            pkgs.nixfmt-rfc-style
          ];
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixfmt-rfc-style);

      # services.cim, with the flake's package as the default package.
      nixosModules.cim =
        { lib, pkgs, ... }:
        {
          imports = [ ./nix/module.nix ];
          services.cim.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };

      # cim.host: NATS on the host, one container per component (imports services.cim).
      nixosModules.cim-host = {
        imports = [
          self.nixosModules.cim
          ./nix/host.nix
        ];
      };

      # The VM tests need KVM: x86_64-linux and aarch64-linux builders with the kvm feature.
      checks = forAllSystems (pkgs: {
        package = cimOf pkgs;
        single-host = import ./nix/tests/single-host.nix {
          inherit pkgs;
          hostModule = self.nixosModules.cim-host;
          cimPackage = cimOf pkgs;
        };
        two-nodes = import ./nix/tests/two-nodes.nix {
          inherit pkgs;
          cimModule = self.nixosModules.cim;
          cimPackage = cimOf pkgs;
        };
        # Evaluation only: which service and container gets which secret file.
        credentials = import ./nix/tests/credentials.nix {
          inherit pkgs;
          inherit (nixpkgs.lib) nixosSystem;
          hostModule = self.nixosModules.cim-host;
        };
        k8s-manifests = self.packages.${pkgs.stdenv.hostPlatform.system}.k8s-manifests;
        # Every .nix file as `nix fmt` (nixfmt, RFC style) writes it.
        formatting =
          pkgs.runCommand "cim-nix-formatting" { nativeBuildInputs = [ pkgs.nixfmt-rfc-style ]; }
            ''
              cd ${./.}
              find . -name '*.nix' -not -path './node_modules/*' -print0 | xargs -0 nixfmt --check
              touch $out
            '';
      });
    };
}
