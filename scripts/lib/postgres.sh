# Sourced by scripts/test and the benchmarks: a throwaway PostgreSQL cluster on 127.0.0.1.
# Sets THROWAWAY_DATABASE_URL. initdb refuses to run as root, so as root it runs as `postgres`.

start_throwaway_postgres() {
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "PostgreSQL server binaries not found (install the postgresql package)" >&2
    return 1
  fi
  PG_BIN=$pgbin
  PG_TMP=$(mktemp -d /tmp/socialvalue-pg.XXXXXX)
  PG_PORT=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')}
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_TMP"
    PG_AS=(runuser -u postgres --)
  else
    PG_AS=()
  fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE socialvalue LOGIN PASSWORD 'socialvalue'" \
    -c "CREATE DATABASE socialvalue OWNER socialvalue" >/dev/null
  THROWAWAY_DATABASE_URL="postgresql+psycopg://socialvalue:socialvalue@127.0.0.1:$PG_PORT/socialvalue"
  export THROWAWAY_DATABASE_URL PG_BIN PG_TMP PG_PORT
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:$PG_PORT"
}

stop_throwaway_postgres() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
