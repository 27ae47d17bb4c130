# shellcheck shell=bash
# MariaDB for the tests: a server answering on 127.0.0.1:3306 as root with an empty
# password over TCP. Source this file, then call `ensure_mariadb`; at the end call
# `stop_mariadb_if_started`, which stops the server only if ensure_mariadb started it.
#
# Works without systemd (CI machines and containers have none): a missing server is
# installed from Debian's packages and started with start-stop-daemon.
#
# Settings (environment):
#   ZONETRAIL_MARIADB_WAIT  seconds to wait for the server to answer (default 60)

if ! declare -F zt_info >/dev/null; then
  # shellcheck source=scripts/lib/common.sh
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fi

ZT_MARIADB_HOST=127.0.0.1
ZT_MARIADB_PORT=3306
ZT_MARIADB_LOG=/var/log/mysql/zonetrail-mariadbd.log        # the server's error log when we start it
ZT_MARIADB_OUT=/var/log/mysql/zonetrail-mariadbd.out        # its stdout/stderr
ZT_MARIADB_PIDFILE=/run/mysqld/zonetrail-mariadbd.pid
# 1 once ensure_mariadb has started the server itself in this shell.
ZT_MARIADB_STARTED=${ZT_MARIADB_STARTED:-0}

# True when root with an empty password can run a query over TCP on 127.0.0.1:3306.
_zt_mariadb_tcp_ok() {
  mariadb --protocol=TCP -h"$ZT_MARIADB_HOST" -P"$ZT_MARIADB_PORT" -uroot \
    --connect-timeout=3 -e 'select 1' >/dev/null 2>&1
}

# True when a server listens on 127.0.0.1:3306, even if it refuses root (a refused
# host or user still means the server is up; the TCP connect alone tells).
_zt_mariadb_alive() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$ZT_MARIADB_HOST/$ZT_MARIADB_PORT" 2>/dev/null
}

# Run SQL as the database's root through the local socket (Debian's root@localhost
# authenticates by unix_socket, so this needs the OS root user).
_zt_mariadb_socket_sql() {
  zt_as_root mariadb --protocol=SOCKET -uroot --connect-timeout=3 -e "$1"
}

_zt_mariadb_install() {
  zt_ensure_log_dir
  zt_info "MariaDB server or client not installed: installing Debian's mariadb-server"
  zt_apt_install "$ZONETRAIL_TEST_LOG_DIR/apt-mariadb.log" mariadb-server mariadb-client
  zt_info "installed: $("$(_zt_mariadbd_bin)" --version 2>/dev/null || echo mariadb-server)"
}

# The server binary's path (Debian puts it in /usr/sbin, which may not be in PATH).
_zt_mariadbd_bin() {
  command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd
}

# The value of a [mysqld] option from the server's configuration files, or $2.
_zt_mariadb_option() {
  local value
  value=$(my_print_defaults --mysqld 2>/dev/null | sed -n "s/^--$1=//p" | tail -n 1)
  printf '%s\n' "${value:-$2}"
}

_zt_mariadb_start() {
  local mariadbd datadir pid waited max
  mariadbd=$(_zt_mariadbd_bin)
  [[ -x $mariadbd ]] || zt_die "mariadbd not found (looked in PATH and /usr/sbin)"
  getent passwd mysql >/dev/null || zt_die "the system user 'mysql' is missing (is mariadb-server installed properly?)"

  zt_as_root mkdir -p /run/mysqld /var/log/mysql
  zt_as_root chown mysql:mysql /run/mysqld /var/log/mysql

  datadir=$(_zt_mariadb_option datadir /var/lib/mysql)
  if [[ ! -d $datadir/mysql ]]; then
    zt_info "no system tables in $datadir: running mariadb-install-db"
    if ! zt_as_root mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
      >"$ZT_MARIADB_OUT.install" 2>&1; then
      zt_show_log "$ZT_MARIADB_OUT.install"
      zt_die "mariadb-install-db failed for $datadir (log: $ZT_MARIADB_OUT.install)"
    fi
  fi

  zt_info "starting MariaDB ($mariadbd, without systemd; error log: $ZT_MARIADB_LOG)"
  zt_as_root rm -f "$ZT_MARIADB_PIDFILE"
  if ! zt_as_root start-stop-daemon --start --background --make-pidfile \
    --pidfile "$ZT_MARIADB_PIDFILE" --chuid mysql --output "$ZT_MARIADB_OUT" \
    --exec "$mariadbd" -- \
    --bind-address="$ZT_MARIADB_HOST" --port="$ZT_MARIADB_PORT" --log-error="$ZT_MARIADB_LOG"; then
    zt_die "start-stop-daemon could not start $mariadbd (see $ZT_MARIADB_LOG and $ZT_MARIADB_OUT)"
  fi
  ZT_MARIADB_STARTED=1

  max=${ZONETRAIL_MARIADB_WAIT:-60}
  waited=0
  while ! _zt_mariadb_alive; do
    pid=$(cat "$ZT_MARIADB_PIDFILE" 2>/dev/null || true)
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
      ZT_MARIADB_STARTED=0
      zt_show_log "$ZT_MARIADB_LOG"
      zt_show_log "$ZT_MARIADB_OUT" 10
      zt_die "mariadbd exited during start-up (is port $ZT_MARIADB_PORT taken? error log: $ZT_MARIADB_LOG)"
    fi
    if ((waited >= max * 2)); then
      zt_show_log "$ZT_MARIADB_LOG"
      zt_die "MariaDB did not answer on $ZT_MARIADB_HOST:$ZT_MARIADB_PORT within ${max} s (pid $pid; error log: $ZT_MARIADB_LOG)"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  zt_info "MariaDB answers on $ZT_MARIADB_HOST:$ZT_MARIADB_PORT after ~$((waited / 2)) s"
}

# Let root log in over TCP from 127.0.0.1 with an empty password. Debian's root@localhost
# authenticates only by unix_socket; a TCP client from 127.0.0.1 is matched as
# root@'127.0.0.1' or, when the server resolves names, as root@localhost.
_zt_mariadb_allow_tcp_root() {
  zt_info "granting root@127.0.0.1 (empty password) so that tests can connect over TCP"
  _zt_mariadb_socket_sql "CREATE USER IF NOT EXISTS root@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;" ||
    zt_die "could not create root@127.0.0.1 through the local socket (/run/mysqld/mysqld.sock) as the OS root user"
  _zt_mariadb_tcp_ok && return 0

  zt_info "root still refused over TCP (name resolution maps 127.0.0.1 to localhost): allowing root@localhost an empty password besides unix_socket"
  _zt_mariadb_socket_sql "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');" ||
    zt_die "could not change root@localhost's authentication through the local socket"
}

# ensure_mariadb — make sure MariaDB answers on 127.0.0.1:3306 as root with an empty
# password over TCP: install it if missing, start it if stopped, fix root's TCP login.
# Sets ZT_MARIADB_STARTED=1 when it started the server. Idempotent.
ensure_mariadb() {
  if command -v mariadb >/dev/null 2>&1 && _zt_mariadb_tcp_ok; then
    zt_info "MariaDB answers on $ZT_MARIADB_HOST:$ZT_MARIADB_PORT as root (already running)"
    return 0
  fi

  if ! command -v mariadb >/dev/null 2>&1 || ! command -v mariadb-admin >/dev/null 2>&1 ||
    [[ ! -x $(_zt_mariadbd_bin) ]]; then
    _zt_mariadb_install
  fi

  # The package's post-install script may have started the server already (where no
  # policy-rc.d forbids it); such a server is left running at the end, like a service.
  if ! _zt_mariadb_alive; then
    _zt_mariadb_start
  fi

  if ! _zt_mariadb_tcp_ok; then
    _zt_mariadb_allow_tcp_root
  fi
  if ! _zt_mariadb_tcp_ok; then
    mariadb --protocol=TCP -h"$ZT_MARIADB_HOST" -P"$ZT_MARIADB_PORT" -uroot --connect-timeout=3 -e 'select 1' || true
    zt_die "MariaDB runs but root still cannot log in over TCP on $ZT_MARIADB_HOST:$ZT_MARIADB_PORT (error log: $ZT_MARIADB_LOG)"
  fi
  zt_info "MariaDB ready: mysql://root@$ZT_MARIADB_HOST:$ZT_MARIADB_PORT"
}

# stop_mariadb_if_started — stop the server, but only if ensure_mariadb started it here.
stop_mariadb_if_started() {
  ((ZT_MARIADB_STARTED == 1)) || return 0
  zt_info "stopping the MariaDB server this run started"
  if ! mariadb-admin --protocol=TCP -h"$ZT_MARIADB_HOST" -P"$ZT_MARIADB_PORT" -uroot \
    --connect-timeout=3 --shutdown-timeout=60 shutdown >/dev/null 2>&1; then
    zt_as_root mariadb-admin --protocol=SOCKET -uroot --shutdown-timeout=60 shutdown >/dev/null 2>&1 || true
  fi
  # If it is still there (shutdown refused or stuck), end it by our pid file.
  if [[ -f $ZT_MARIADB_PIDFILE ]]; then
    zt_as_root start-stop-daemon --stop --quiet --oknodo --pidfile "$ZT_MARIADB_PIDFILE" \
      --exec "$(_zt_mariadbd_bin)" \
      --retry TERM/30/KILL/5 || zt_warn "could not stop mariadbd (pid file $ZT_MARIADB_PIDFILE)"
    zt_as_root rm -f "$ZT_MARIADB_PIDFILE"
  fi
  ZT_MARIADB_STARTED=0
}

# zt_mysql URL [mariadb client options...] — run the mariadb client over TCP against the
# server of URL, mysql://[user[:password]@]host[:port][/database] (user defaults to root,
# port to 3306; a database part is ignored). Example: zt_mysql "$url" -e "SELECT 1".
zt_mysql() {
  local rest=${1#mysql://} creds=root host port user pass=
  shift
  if [[ $rest == *@* ]]; then
    creds=${rest%@*}
    rest=${rest##*@}
  fi
  rest=${rest%%/*}
  host=${rest%:*}
  port=${rest##*:}
  [[ $port == "$rest" ]] && port=3306
  user=${creds%%:*}
  [[ $creds == *:* ]] && pass=${creds#*:}
  MYSQL_PWD=$pass mariadb --protocol=TCP -h "$host" -P "$port" -u "$user" "$@"
}
