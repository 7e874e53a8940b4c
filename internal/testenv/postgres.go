package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A real PostgreSQL from Debian's packages (initdb, then the postgres server itself, which pg_ctl would only wrap),
// in a temporary directory, listening on a Unix socket only (no TCP port, no system service). PostgreSQL refuses to
// run as root, so as root it runs as the postgres user the Debian package creates.

const postgresHint = "apt-get install postgresql (or run scripts/install-deps.sh as root)"

// PGCluster is one running PostgreSQL server.
type PGCluster struct {
	Dir     string // the temporary directory: data/, sock/, log
	SockDir string
	Port    int  // names the socket file (.s.PGSQL.PORT); there is no TCP listener unless TCP
	TCP     bool // also listening on 127.0.0.1:Port (PostgresClusterTCP), for a proxy in between

	bin  string
	cred *syscall.Credential
	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{}
}

var (
	sharedPGOnce sync.Once
	sharedPG     *PGCluster
	sharedPGErr  error
	pgDBSeq      atomic.Int64
)

// PostgresURL is a fresh, empty database on a PostgreSQL server shared by the tests of this test binary (started
// on first use; it ends with the test binary). The database is dropped at t's cleanup.
func PostgresURL(t testing.TB) string {
	t.Helper()
	sharedPGOnce.Do(func() {
		removeStalePG()
		sharedPG, sharedPGErr = startPG()
		if sharedPGErr == nil { // it ends with the test binary: stopped and its directory removed then (atexit.go)
			sharedPG.mu.Lock()
			sharedPGErr = KillAtExit(sharedPG.cmd.Process.Pid)
			sharedPG.mu.Unlock()
		}
	})
	if sharedPGErr != nil {
		t.Fatalf("testenv: %v", sharedPGErr)
	}
	return sharedPG.NewDB(t)
}

// PostgresCluster starts a PostgreSQL server of t's own (for tests that kill it), stopped at t's cleanup.
func PostgresCluster(t testing.TB) *PGCluster {
	t.Helper()
	c, err := startPG()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// PostgresClusterTCP is PostgresCluster also listening on TCP at TCPAddr (a free loopback port), for benchmarks that
// put a network proxy between the servers and PostgreSQL.
func PostgresClusterTCP(t testing.TB) *PGCluster {
	t.Helper()
	c, err := startPGWith(true)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// TCPAddr is the loopback TCP address of a PostgresClusterTCP.
func (c *PGCluster) TCPAddr() string { return fmt.Sprintf("127.0.0.1:%d", c.Port) }

// Bin is the path of one of PostgreSQL's programs beside the server's (e.g. "pgbench", "psql").
func (c *PGCluster) Bin(name string) string { return filepath.Join(c.bin, name) }

// URL is the connection URL of database db.
func (c *PGCluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, c.SockDir, c.Port)
}

// NewDB creates a fresh database and returns its URL; it is dropped at t's cleanup.
func (c *PGCluster) NewDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("mkpf_%d_%d", os.Getpid(), pgDBSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("testenv: postgres: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: postgres: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if conn, err := pgx.Connect(ctx, c.URL("postgres")); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	})
	return c.URL(name)
}

func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL's server (initdb, postgres) is not installed: " + postgresHint)
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func startPG() (*PGCluster, error) { return startPGWith(false) }

func startPGWith(tcp bool) (*PGCluster, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := tempDirAtExit("mkpf-pg-") // removed when the test binary ends, whoever stops the server
	if err != nil {
		return nil, err
	}
	c := &PGCluster{Dir: dir, SockDir: filepath.Join(dir, "sock"), Port: 5432, bin: bin, TCP: tcp}
	if tcp {
		l, err := net.Listen("tcp", "127.0.0.1:0") // a free port (PostgreSQL takes it right after)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	if err := os.Mkdir(c.SockDir, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, errors.New("PostgreSQL refuses to run as root and there is no postgres user: " + postgresHint)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, p := range []string{dir, c.SockDir} {
			if err := os.Chown(p, uid, gid); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if err := c.Start(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Start starts the server (again, after Kill) and waits until it accepts connections (crash recovery included).
func (c *PGCluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A start that finds the previous server's processes or shared memory still there (a crash's children exiting
	// late) waits until they are gone and starts again; any other failure is reported.
	deadline := time.Now().Add(5 * time.Minute) // a safety net only
	for {
		err := c.start()
		if err == nil || !errors.Is(err, errPGStillInUse) || time.Now().After(deadline) {
			return err
		}
		c.waitGone()
	}
}

// errPGStillInUse: PostgreSQL refused to start because processes of the previous server were still alive.
var errPGStillInUse = errors.New("the previous server's processes are still alive")

func (c *PGCluster) start() error {
	logOff := int64(0)
	if fi, err := os.Stat(filepath.Join(c.Dir, "log")); err == nil {
		logOff = fi.Size()
	}
	logf, err := os.OpenFile(filepath.Join(c.Dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	listen := ""
	if c.TCP {
		listen = "127.0.0.1"
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", filepath.Join(c.Dir, "data"),
		"-k", c.SockDir, "-p", strconv.Itoa(c.Port), "-c", "listen_addresses="+listen,
		"-c", "shared_buffers=32MB", "-c", "max_connections=200", "-c", "fsync=on", "-c", "synchronous_commit=on")
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group (Kill takes the backends along), and SIGKILL when this test binary ends, from a
	// thread that never exits (Pdeathsig follows the starting thread).
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	exit := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as the process
		err := cmd.Start()
		started <- err
		if err == nil {
			cmd.Wait()
		}
		logf.Close()
		close(exit)
		select {} // keep this thread: a locked thread ends when its goroutine does
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %v", err)
	}
	c.cmd, c.exit = cmd, exit
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-exit:
			c.cmd = nil
			log, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
			if int64(len(log)) >= logOff {
				log = log[logOff:]
			}
			if strings.Contains(string(log), "pre-existing shared memory block") ||
				strings.Contains(string(log), "is another postmaster") {
				return fmt.Errorf("%w: %s", errPGStillInUse, tail(string(log), 500))
			}
			return fmt.Errorf("postgres exited at start: %s", tail(string(log), 2000))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill sends SIGKILL to the server and its backends (a crash) and waits until every one of them has exited, so
// that Start finds the shared memory free. A postmaster's children each call setsid(), so they are in process
// groups of their own: the group kill reaches the postmaster only. Kill stops the postmaster first (it forks no
// more), kills the children it has, then the postmaster, and waits until no process has the data directory as its
// working directory (every PostgreSQL process has), whatever the machine's load.
func (c *PGCluster) Kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	pm := c.cmd.Process.Pid
	syscall.Kill(pm, syscall.SIGSTOP)
	for _, pid := range pgProcs(pm, "") {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	syscall.Kill(-pm, syscall.SIGKILL)
	<-c.exit
	c.cmd = nil
	c.waitGone()
}

// waitGone waits until no process runs in the data directory any more (children of a killed postmaster notice
// its death on their own, late on a loaded machine); it kills the ones it finds.
func (c *PGCluster) waitGone() {
	data := filepath.Join(c.Dir, "data")
	if d, err := filepath.EvalSymlinks(data); err == nil {
		data = d // /proc/PID/cwd names the resolved path
	}
	for {
		left := pgProcs(0, data)
		if len(left) == 0 {
			return
		}
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition: the loop ends when the processes are gone
	}
}

// pgProcs lists the live processes whose parent is ppid (ppid > 0) or whose working directory is dir (dir != "").
// Zombies are left out: they hold no shared memory any more.
func pgProcs(ppid int, dir string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
		i := strings.LastIndexByte(string(st), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(st[i+1:]))
		if len(f) < 2 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if ppid > 0 {
			if p, _ := strconv.Atoi(f[1]); p == ppid {
				pids = append(pids, pid)
			}
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Stop shuts the server down (fast shutdown) and removes its directory.
func (c *PGCluster) Stop() {
	c.mu.Lock()
	if c.cmd != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exit:
		case <-time.After(time.Minute):
			syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.exit
		}
		c.cmd = nil
	}
	c.mu.Unlock()
	os.RemoveAll(c.Dir)
}

// removeStalePG removes the directories of test servers whose test binary died (their postmaster is gone).
func removeStalePG() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "mkpf-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < 2*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			if pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); pid > 0 &&
				syscall.Kill(pid, 0) == nil {
				continue
			}
		}
		os.RemoveAll(d)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
