# The `cim` package: the server (tsc), the web UI (vite, into dist/web), the `cim` launcher and the
# production node_modules, built with nixpkgs' buildNpmPackage from package-lock.json (no hash to
# keep in step: importNpmLock fetches each tarball by the lockfile's integrity).
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_20,
  python3,
}:
let
  root = ../.;
  packageJson = lib.importJSON (root + "/package.json");
  # The lockfile is written without `resolved` URLs (npm's omit-lockfile-registry-resolved);
  # importNpmLock fetches only entries that have one, so they are put back from the registry's
  # URL scheme (nix/lib/npm-lock-resolved.nix, evaluated by CI against the real lockfile).
  packageLock = import ./lib/npm-lock-resolved.nix {
    lock = lib.importJSON (root + "/package-lock.json");
  };
in
buildNpmPackage {
  pname = "cim";
  inherit (packageJson) version;

  # Only what the build reads: a change to docs, nix/ or tests elsewhere does not rebuild.
  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      (root + "/package.json")
      (root + "/package-lock.json")
      (root + "/tsconfig.json")
      (root + "/bin")
      (root + "/src")
      (root + "/bench")
      (root + "/web")
      (root + "/examples")
    ];
  };

  nodejs = nodejs_20;

  npmDeps = importNpmLock {
    npmRoot = root;
    package = packageJson;
    inherit packageLock;
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  # better-sqlite3 is a native addon: its install script falls back from prebuild-install (no
  # network in the sandbox) to node-gyp, which needs python3 and node's headers. The npmConfigHook
  # exports npm_config_nodedir itself before `npm rebuild`; this makes any later node-gyp run in
  # the build use the headers of the very node the package runs on.
  nativeBuildInputs = [ python3 ];
  env.npm_config_nodedir = "${nodejs_20}";

  # `npm run build`: tsc for the server (dist/src, dist/bench), tsc + vite for the UI (dist/web).
  npmBuildScript = "build";

  # The default install phase installs what `npm pack` would (package.json "files": bin, dist),
  # prunes devDependencies from node_modules, copies node_modules beside them and wraps
  # package.json "bin" (cim -> bin/cim.js) as $out/bin/cim with this nodejs.
  postInstall = ''
    test -f "$out/lib/node_modules/cim/dist/web/index.html" \
      || { echo "the web UI was not built into dist/web" >&2; exit 1; }
    test -n "$(find "$out/lib/node_modules/cim/node_modules/better-sqlite3/build" -name '*.node' -print -quit)" \
      || { echo "better-sqlite3's native addon is missing" >&2; exit 1; }
  '';

  # Smoke test of the installed program (no NATS needed to print the version).
  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck
    "$out/bin/cim" --version
    runHook postInstallCheck
  '';

  meta = {
    description = "CIM, the Composable Information Machine: immutable, content-addressed information on NATS JetStream";
    license = lib.licenses.mit;
    mainProgram = "cim";
    platforms = lib.platforms.linux;
  };
}
