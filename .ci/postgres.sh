# shellcheck shell=bash
# A throwaway PostgreSQL server for the store tests (mentorkit.store.PostgresStore).
#
# Sourced by .ci/run:   source .ci/postgres.sh   (starts the server, exports MENTORKIT_PG_DSN)
#                       ... run the tests ...
#                       mentorkit_pg_stop        (also registered on EXIT if no EXIT trap is set)
#
# Installs PostgreSQL from Debian packages when initdb/pg_ctl are missing, initialises a
# cluster in a temp dir, starts it on 127.0.0.1 with a free port (its unix socket in the temp
# dir, mode 0700), and creates a NON-superuser login role owning a fresh database. initdb
# refuses to run as root, so as root the server runs as the `postgres` OS user (created by
# the Debian package, or here if missing). Set MENTORKIT_PG_SKIP=1 to skip all of this.

mentorkit_pg_bindir() {
  local dir candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/postgres" ]; then
      echo "$candidate"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then
    dir="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  fi
  return 1
}

# Run a command as the server's OS user (from inside the cluster dir, which that user can read).
mentorkit_pg_as() {
  if [ "$(id -u)" = "0" ]; then
    (cd "$MENTORKIT_PG_DIR" && runuser -u "$MENTORKIT_PG_OSUSER" -- "$@")
  else
    (cd "$MENTORKIT_PG_DIR" && "$@")
  fi
}

mentorkit_pg_start() {
  local bindir port password
  if [ -n "${MENTORKIT_PG_DSN:-}" ]; then
    echo "postgres.sh: MENTORKIT_PG_DSN already set; using that server"
    return 0
  fi
  if ! bindir="$(mentorkit_pg_bindir)"; then
    echo "postgres.sh: PostgreSQL not found; installing it from Debian packages"
    if [ "$(id -u)" != "0" ]; then
      echo "postgres.sh: need root to apt-get install postgresql" >&2
      return 1
    fi
    local status=0 policy=0
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null || return 1
    # policy-rc.d 101: do not start the packaged cluster; we start our own.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      policy=1
    fi
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null || status=$?
    if [ "$policy" = "1" ]; then rm -f /usr/sbin/policy-rc.d; fi
    if [ "$status" != "0" ]; then
      echo "postgres.sh: apt-get install postgresql failed ($status)" >&2
      return 1
    fi
    bindir="$(mentorkit_pg_bindir)" || {
      echo "postgres.sh: initdb/pg_ctl still not found after installing" >&2
      return 1
    }
  fi
  MENTORKIT_PG_BIN="$bindir"
  MENTORKIT_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mentorkit-pg.XXXXXX")" || return 1
  chmod 0755 "$MENTORKIT_PG_DIR"
  MENTORKIT_PG_OSUSER="$(id -un)"
  if [ "$(id -u)" = "0" ]; then
    MENTORKIT_PG_OSUSER=postgres
    if ! id -u postgres >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres || return 1
    fi
    chown "$MENTORKIT_PG_OSUSER" "$MENTORKIT_PG_DIR"
  fi
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" || return 1
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')" || return 1
  MENTORKIT_PG_PORT="$port"
  mentorkit_pg_as mkdir -m 0700 "$MENTORKIT_PG_DIR/sock" || return 1
  # Superuser: local socket only (trust, socket mode 0700). Everyone else: password over TCP.
  mentorkit_pg_as "$bindir/initdb" -D "$MENTORKIT_PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$MENTORKIT_PG_DIR/initdb.log" 2>&1 || {
    echo "postgres.sh: initdb failed:" >&2
    cat "$MENTORKIT_PG_DIR/initdb.log" >&2
    return 1
  }
  mentorkit_pg_as "$bindir/pg_ctl" -D "$MENTORKIT_PG_DIR/data" -l "$MENTORKIT_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $MENTORKIT_PG_DIR/sock -c unix_socket_permissions=0700 -c max_connections=60" \
    start >/dev/null || {
    echo "postgres.sh: the server did not start:" >&2
    cat "$MENTORKIT_PG_DIR/server.log" >&2
    return 1
  }
  mentorkit_pg_as "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$MENTORKIT_PG_DIR/sock" -p "$port" \
    -U postgres -d postgres \
    -c "CREATE ROLE mentorkit LOGIN PASSWORD '$password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION" \
    -c "CREATE DATABASE mentorkit OWNER mentorkit" >/dev/null || {
    echo "postgres.sh: could not create the test role and database" >&2
    return 1
  }
  export MENTORKIT_PG_DSN="postgresql://mentorkit:$password@127.0.0.1:$port/mentorkit"
  export MENTORKIT_PG_DIR MENTORKIT_PG_BIN
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (role mentorkit, not a superuser)"
}

mentorkit_pg_stop() {
  if [ -n "${MENTORKIT_PG_DIR:-}" ] && [ -d "$MENTORKIT_PG_DIR" ]; then
    if [ -f "$MENTORKIT_PG_DIR/data/postmaster.pid" ]; then
      mentorkit_pg_as "$MENTORKIT_PG_BIN/pg_ctl" -D "$MENTORKIT_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$MENTORKIT_PG_DIR"
  fi
  unset MENTORKIT_PG_DIR MENTORKIT_PG_DSN
}

if [ "${MENTORKIT_PG_SKIP:-}" != "1" ]; then
  if [ -z "$(trap -p EXIT)" ]; then
    trap mentorkit_pg_stop EXIT
  fi
  mentorkit_pg_start
fi
