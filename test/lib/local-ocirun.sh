# Sourced by the scripts run in the cgroup2-vm guest (POSIX sh; needs $REPO).
# ocirun installed on the guest's own tmpfs, as runc and crun are on its
# cached root: the repository is a 9p share whose page cache does not keep the
# 112 MB dist/ocirun-bun between execs, so every call from there reads it again
# (bench/systemd.sh measured ~5x runc's time that way). Sets OCIRUN; keeps the
# repository's copy when the copy fails. Named bin/ocirun, as engines look at
# the basename (podman's runtime_supports_json).
local_ocirun() {
  _inst=/tmp/ocirun-install
  mkdir -p "$_inst/build" "$_inst/dist" "$_inst/bin" &&
    cp -a "$REPO/build/Release" "$_inst/build/" &&
    cp -a "$REPO/dist/ocirun-bun" "$_inst/dist/" &&
    ln -sf ../build/Release/ocirun-front "$_inst/bin/ocirun" &&
    OCIRUN="$_inst/bin/ocirun"
}
