// Command latencyproxy is the benchmarks' network between mkpf-server processes and PostgreSQL: a TCP proxy that
// delays every chunk by a fixed latency in each direction, made of github.com/Shopify/toxiproxy/v2 used as a library
// in this process (its proxy and its latency toxic; no API server, no other toxics). It is its own module so that
// toxiproxy's dependencies (prometheus, zerolog, gorilla/mux, protobuf) stay out of mykeyterm's go.mod; the platform
// benchmarks build and run it (platform/pgscale_bench_test.go, scripts/bench-pgscale.sh).
//
//	latencyproxy -upstream 127.0.0.1:5432 -latency 5ms
//
// It listens on a free loopback port, prints "listen HOST:PORT" on stdout, and runs until its stdin is closed (so it
// ends with the benchmark that started it). A line "latency 1ms" on stdin changes the latency of both directions,
// for the connections already open too, and is answered "ok".
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func main() {
	upstream := flag.String("upstream", "", "HOST:PORT to forward to")
	listen := flag.String("listen", "127.0.0.1:0", "HOST:PORT to listen on")
	latency := flag.Duration("latency", 5*time.Millisecond, "added latency in each direction (milliseconds)")
	flag.Parse()
	if *upstream == "" {
		log.Fatal("latencyproxy: -upstream HOST:PORT is required")
	}
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "postgres", *listen, *upstream)
	if err := p.Start(); err != nil {
		log.Fatalf("latencyproxy: %v", err)
	}
	for _, dir := range []string{"upstream", "downstream"} {
		j := fmt.Sprintf(`{"type":"latency","name":%q,"stream":%q,"toxicity":1,"attributes":{"latency":%d,"jitter":0}}`,
			dir, dir, latency.Milliseconds())
		if _, err := p.Toxics.AddToxicJson(strings.NewReader(j)); err != nil {
			log.Fatalf("latencyproxy: %s latency: %v", dir, err)
		}
	}
	fmt.Printf("listen %s\n", p.Listen)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() { // until the parent closes stdin or ends
		f := strings.Fields(in.Text())
		if len(f) != 2 || f[0] != "latency" {
			fmt.Println("error: want: latency DURATION")
			continue
		}
		d, err := time.ParseDuration(f[1])
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		for _, dir := range []string{"upstream", "downstream"} {
			j := fmt.Sprintf(`{"toxicity":1,"attributes":{"latency":%d,"jitter":0}}`, d.Milliseconds())
			if _, err := p.Toxics.UpdateToxicJson(dir, strings.NewReader(j)); err != nil {
				log.Fatalf("latencyproxy: %s latency: %v", dir, err)
			}
		}
		fmt.Println("ok")
	}
	p.Stop()
}
