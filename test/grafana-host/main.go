// Command grafana-host stands in for the part of the Grafana server that runs a backend data-source plugin.
//
// It starts the plugin executable the way Grafana does (a hashicorp/go-plugin client: handshake app protocol
// 2, magic cookie grafana_plugin_type=datasource, gRPC only, Grafana's GF_* environment), makes one pluginv2
// call, prints the answer, writes data frames to files and checks them the way Grafana reads them, and stops
// the plugin through go-plugin (GRPCController.Shutdown, then a kill after 2 s).
//
//	grafana-host [--skip-host-env] [--json FILE] PLUGIN_EXECUTABLE COMMAND [command flags]
//
//	health                                                pluginv2.Diagnostics/CheckHealth
//	query --json FILE [--out DIR] [--rows N] [--no-decode]  pluginv2.Data/QueryData
//	resource --path P [--body-out FILE]                   pluginv2.Resource/CallResource (GET)
//	metrics                                               pluginv2.Diagnostics/CollectMetrics
//
// Exit status: 0 all worked; 1 usage error; 2 protocol failure (Grafana could not use what the plugin did);
// 3 the protocol worked but the plugin reported a failure (health not OK, a query error or status >= 400,
// an HTTP status >= 400 from a resource).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "grafana-host/pluginv2"
)

const (
	exitOK       = 0
	exitUsage    = 1
	exitProtocol = 2
	exitPlugin   = 3

	grafanaVersion = "12.3.0"
	appURL         = "http://localhost:3000/"
	callTimeout    = 60 * time.Second
)

// Grafana's handshake for every backend plugin (grafana-plugin-sdk-go backend/grpcplugin).
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  2,
	MagicCookieKey:   "grafana_plugin_type",
	MagicCookieValue: "datasource",
}

// failure is an error that carries the exit status it ends the run with.
type failure struct {
	code int
	msg  string
}

func (f *failure) Error() string { return f.msg }

func fail(code int, format string, a ...interface{}) error {
	return &failure{code, fmt.Sprintf(format, a...)}
}

type options struct {
	skipHostEnv bool
	jsonFile    string
	out         string
	rows        int
	noDecode    bool
	path        string
	bodyOut     string
}

// flags are accepted before the executable and after the command alike.
func flags(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = usage
	fs.BoolVar(&o.skipHostEnv, "skip-host-env", o.skipHostEnv, "")
	fs.StringVar(&o.jsonFile, "json", o.jsonFile, "")
	switch name {
	case "query":
		fs.StringVar(&o.out, "out", o.out, "")
		fs.IntVar(&o.rows, "rows", o.rows, "")
		fs.BoolVar(&o.noDecode, "no-decode", o.noDecode, "")
	case "resource":
		fs.StringVar(&o.path, "path", o.path, "")
		fs.StringVar(&o.bodyOut, "body-out", o.bodyOut, "")
	}
	return fs
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: grafana-host [--skip-host-env] [--json FILE] PLUGIN_EXECUTABLE COMMAND [command flags]
  health                                                 call pluginv2.Diagnostics/CheckHealth
  query --json FILE [--out DIR] [--rows N] [--no-decode]  call pluginv2.Data/QueryData, frames to DIR (./frames)
  resource --path P [--body-out FILE]                    call pluginv2.Resource/CallResource (GET)
  metrics                                                call pluginv2.Diagnostics/CollectMetrics
--json FILE: data source, headers, time range and queries; --skip-host-env: like Grafana's skip_host_env_var.
exit status: 0 ok, 1 usage, 2 protocol failure, 3 the plugin reported a failure
`)
}

// ---------------------------------------------------------------------------------------------------------
// The request file

type timeRange struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

type queryJSON struct {
	RefID         string                 `json:"refId"`
	QueryType     string                 `json:"queryType"`
	MaxDataPoints *int64                 `json:"maxDataPoints"`
	IntervalMS    *int64                 `json:"intervalMs"`
	TimeRange     *timeRange             `json:"timeRange"`
	Model         map[string]interface{} `json:"model"`
}

type request struct {
	Datasource struct {
		ID                      int64             `json:"id"`
		UID                     string            `json:"uid"`
		Name                    string            `json:"name"`
		URL                     string            `json:"url"`
		JSONData                json.RawMessage   `json:"jsonData"`
		DecryptedSecureJSONData map[string]string `json:"decryptedSecureJsonData"`
	} `json:"datasource"`
	Headers   map[string]string `json:"headers"`
	TimeRange *timeRange        `json:"timeRange"`
	Queries   []queryJSON       `json:"queries"`
}

// readRequest reads the --json file; unknown keys are refused, to catch typos.
func readRequest(file string) (*request, error) {
	r := &request{}
	if file == "" {
		return r, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fail(exitUsage, "--json: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(r); err != nil {
		return nil, fail(exitUsage, "%s: %v", file, err)
	}
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	return r, nil
}

// pluginInfo is the plugin id and version from a plugin.json next to the executable, as Grafana has them.
func pluginInfo(exe string) (id, version string) {
	var pj struct {
		ID   string `json:"id"`
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(exe), "plugin.json"))
	if err != nil || json.Unmarshal(raw, &pj) != nil || pj.ID == "" {
		return "test-datasource", ""
	}
	return pj.ID, pj.Info.Version
}

type call struct {
	req           *request
	pluginID      string
	pluginVersion string
}

// context is the PluginContext Grafana sends with every call: org 1, the admin user, the data source.
func (c *call) context() *pb.PluginContext {
	ds := c.req.Datasource
	settings := &pb.DataSourceInstanceSettings{
		Id: ds.ID, Uid: ds.UID, Name: ds.Name, Url: ds.URL, JsonData: []byte("{}"),
		DecryptedSecureJsonData: ds.DecryptedSecureJSONData, LastUpdatedMS: time.Now().UnixMilli(),
	}
	if settings.Id == 0 {
		settings.Id = 1
	}
	if settings.Uid == "" {
		settings.Uid = "test-datasource-uid"
	}
	if settings.Name == "" {
		settings.Name = "test-datasource"
	}
	var compact bytes.Buffer
	if len(ds.JSONData) > 0 && json.Compact(&compact, ds.JSONData) == nil {
		settings.JsonData = compact.Bytes() // Grafana stores and sends jsonData compact
	}
	return &pb.PluginContext{
		OrgId:                      1,
		PluginId:                   c.pluginID,
		PluginVersion:              c.pluginVersion,
		User:                       &pb.User{Login: "admin", Name: "admin", Email: "admin@localhost", Role: "Admin"},
		DataSourceInstanceSettings: settings,
		GrafanaConfig:              map[string]string{"GF_APP_URL": appURL},
		UserAgent:                  fmt.Sprintf("Grafana/%s (%s; %s)", grafanaVersion, runtime.GOOS, runtime.GOARCH),
	}
}

// queries are the DataQuery messages; like Grafana, each one's json is the whole query object of the frontend.
func (c *call) queries() ([]*pb.DataQuery, error) {
	if len(c.req.Queries) == 0 {
		return nil, fail(exitUsage, "the --json file has no \"queries\"")
	}
	now := time.Now().UnixMilli()
	defaultRange := timeRange{From: now - 3_600_000, To: now}
	if c.req.TimeRange != nil {
		defaultRange = *c.req.TimeRange
	}
	datasource := map[string]string{"type": c.pluginID, "uid": c.context().DataSourceInstanceSettings.Uid}
	var out []*pb.DataQuery
	for _, q := range c.req.Queries {
		refID, maxDataPoints, interval, tr := q.RefID, int64(100), int64(1000), defaultRange
		if refID == "" {
			refID = "A"
		}
		if q.MaxDataPoints != nil {
			maxDataPoints = *q.MaxDataPoints
		}
		if q.IntervalMS != nil {
			interval = *q.IntervalMS
		}
		if q.TimeRange != nil {
			tr = *q.TimeRange
		}
		model := q.Model
		if model == nil {
			model = map[string]interface{}{}
		}
		defaults := map[string]interface{}{
			"refId":         refID,
			"datasource":    datasource,
			"intervalMs":    interval,
			"maxDataPoints": maxDataPoints,
		}
		for k, v := range defaults {
			if _, ok := model[k]; !ok {
				model[k] = v
			}
		}
		raw, err := json.Marshal(model)
		if err != nil {
			return nil, fail(exitUsage, "query %s: %v", refID, err)
		}
		out = append(out, &pb.DataQuery{
			RefId: refID, QueryType: q.QueryType, MaxDataPoints: maxDataPoints, IntervalMS: interval,
			TimeRange: &pb.TimeRange{FromEpochMS: tr.From, ToEpochMS: tr.To}, Json: raw,
		})
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------------------
// Starting and stopping the plugin

// pluginv2 is the host side of a go-plugin gRPC plugin: dispensing it gives the connection to the plugin.
type pluginv2 struct{ plugin.NetRPCUnsupportedPlugin }

func (pluginv2) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("grafana-host is the host side only")
}

func (pluginv2) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return conn, nil
}

// Host variables Grafana still passes with skip_host_env_var.
var proxyVariables = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"}

// start runs the executable through go-plugin and returns the client and the gRPC connection.
func start(o *options, exe string) (*plugin.Client, *grpc.ClientConn, error) {
	cmd := exec.Command(exe)
	// What an OSS Grafana adds; go-plugin appends this process's environment, the cookie and PLUGIN_*.
	cmd.Env = []string{
		"GF_VERSION=" + grafanaVersion,
		"GF_EDITION=Open Source",
		"GF_ENTERPRISE_LICENSE_PATH=",
		"GF_ENTERPRISE_APP_URL=" + appURL,
	}
	// Not Grafana: the plugin dies with the host, so a crashed or killed test run leaves no process behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]plugin.PluginSet{2: {"pluginv2": pluginv2{}}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		// The plugin's stderr lines come through here at their hclog level, as Grafana logs them.
		Logger: hclog.New(&hclog.LoggerOptions{Name: "host", Output: os.Stderr, Level: hclog.Debug}),
	})
	hostEnv := "this process's environment"
	if o.skipHostEnv {
		// go-plugin (Debian's 1.0.1) has no SkipHostEnv: empty the environment while it starts the plugin.
		hostEnv = "only the proxy variables of this process's environment (--skip-host-env)"
		saved := os.Environ()
		kept := map[string]string{}
		for _, k := range proxyVariables {
			if v, ok := os.LookupEnv(k); ok {
				kept[k] = v
			}
		}
		os.Clearenv()
		for k, v := range kept {
			os.Setenv(k, v)
		}
		defer func() {
			os.Clearenv()
			for _, kv := range saved {
				if i := strings.IndexByte(kv, '='); i > 0 {
					os.Setenv(kv[:i], kv[i+1:])
				}
			}
		}()
	}
	fmt.Fprintf(os.Stderr, "host: starting %s (go-plugin, app protocol %d, %s=%s, gRPC only)\n",
		exe, handshake.ProtocolVersion, handshake.MagicCookieKey, handshake.MagicCookieValue)
	fmt.Fprintf(os.Stderr, "host: plugin environment: %s, PLUGIN_* and the cookie, plus %s\n", strings.Join(cmd.Env, " "), hostEnv)
	if _, err := client.Start(); err != nil {
		client.Kill()
		hint := ""
		if strings.Contains(err.Error(), "Unrecognized remote plugin message") {
			hint = " (the first line on stdout must be the handshake, e.g. 1|2|tcp|127.0.0.1:1234|grpc)"
		}
		return nil, nil, fail(exitProtocol, "handshake failed: %v%s", err, hint)
	}
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, nil, fail(exitProtocol, "no gRPC connection: %v", err)
	}
	if err := rpc.Ping(); err != nil {
		client.Kill()
		return nil, nil, fail(exitProtocol, "grpc.health.v1.Health/Check(\"plugin\") failed: %v", err)
	}
	raw, err := rpc.Dispense("pluginv2")
	if err != nil {
		client.Kill()
		return nil, nil, fail(exitProtocol, "dispense: %v", err)
	}
	fmt.Fprintf(os.Stderr, "host: handshake OK, app protocol %d, health SERVING\n", client.NegotiatedVersion())
	return client, raw.(*grpc.ClientConn), nil
}

// stop is Grafana's stop: go-plugin calls GRPCController.Shutdown and kills the process after 2 s.
func stop(client *plugin.Client) {
	began := time.Now()
	client.Kill()
	fmt.Fprintf(os.Stderr, "host: plugin stopped in %s\n", time.Since(began).Round(time.Millisecond))
}

// rpcFailure describes a failed call, noting when the plugin process is gone.
func rpcFailure(client *plugin.Client, method string, err error) error {
	msg := fmt.Sprintf("%s failed: %s: %s", method, status.Code(err), status.Convert(err).Message())
	time.Sleep(100 * time.Millisecond) // let go-plugin notice an exited process
	if client.Exited() {
		msg += " (the plugin process has exited; see its stderr above)"
	}
	return fail(exitProtocol, "%s", msg)
}

// ---------------------------------------------------------------------------------------------------------
// The calls

func health(ctx context.Context, client *plugin.Client, conn *grpc.ClientConn, c *call) error {
	resp, err := pb.NewDiagnosticsClient(conn).CheckHealth(ctx,
		&pb.CheckHealthRequest{PluginContext: c.context(), Headers: c.req.Headers})
	if err != nil {
		return rpcFailure(client, "pluginv2.Diagnostics/CheckHealth", err)
	}
	fmt.Printf("CheckHealth: status=%s\n", resp.GetStatus())
	fmt.Printf("CheckHealth: message=%q\n", resp.GetMessage())
	if details := resp.GetJsonDetails(); len(details) > 0 {
		var object map[string]interface{}
		var pretty bytes.Buffer
		if json.Unmarshal(details, &object) != nil || json.Indent(&pretty, details, "             ", "  ") != nil {
			return fail(exitProtocol, "jsonDetails is not a JSON object (Grafana answers 500): %q", details)
		}
		fmt.Printf("CheckHealth: jsonDetails=%s\n", pretty.Bytes())
	}
	if resp.GetStatus() != pb.CheckHealthResponse_OK {
		return fail(exitPlugin, "health status %s", resp.GetStatus())
	}
	return nil
}

func metrics(ctx context.Context, client *plugin.Client, conn *grpc.ClientConn, c *call) error {
	resp, err := pb.NewDiagnosticsClient(conn).CollectMetrics(ctx, &pb.CollectMetricsRequest{PluginContext: c.context()})
	if status.Code(err) == codes.Unimplemented {
		fmt.Println("CollectMetrics: not implemented (Grafana reads that as no metrics)")
		return nil
	}
	if err != nil {
		return rpcFailure(client, "pluginv2.Diagnostics/CollectMetrics", err)
	}
	text := resp.GetMetrics().GetPrometheus()
	fmt.Printf("CollectMetrics: %d bytes of Prometheus text\n%s", len(text), text)
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// isArrowFile tells the Arrow IPC file format (magic ARROW1 at both ends), the only one Grafana's SDK reads.
func isArrowFile(b []byte) bool {
	return len(b) >= 12 && string(b[:6]) == "ARROW1" && string(b[len(b)-6:]) == "ARROW1"
}

func query(ctx context.Context, client *plugin.Client, conn *grpc.ClientConn, c *call, o *options) error {
	queries, err := c.queries()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fail(exitUsage, "--out: %v", err)
	}
	resp, err := pb.NewDataClient(conn).QueryData(ctx, &pb.QueryDataRequest{
		PluginContext: c.context(), Headers: c.req.Headers, Queries: queries, Format: pb.DataFrameFormat_ARROW,
	})
	if err != nil {
		return rpcFailure(client, "pluginv2.Data/QueryData", err)
	}
	responses := resp.GetResponses()
	var refIDs, problems, files []string
	asked := map[string]bool{}
	for _, q := range queries {
		asked[q.RefId] = true
		refIDs = append(refIDs, q.RefId)
	}
	var extra []string
	for refID := range responses {
		if !asked[refID] {
			extra = append(extra, refID)
		}
	}
	sort.Strings(extra)
	fmt.Printf("QueryData: %d response(s)\n", len(responses))
	failed := 0
	for _, refID := range append(refIDs, extra...) {
		r, ok := responses[refID]
		if !ok {
			fmt.Printf("refId %s: MISSING from the response\n", refID)
			problems = append(problems, "no response for refId "+refID)
			continue
		}
		code := r.GetStatus()
		if code == 0 { // unset: Grafana takes 200, or 500 when there is an error
			code = 200
			if r.GetError() != "" {
				code = 500
			}
		}
		note := ""
		if !asked[refID] {
			note = " (not asked for)"
		}
		fmt.Printf("refId %s: status %d, frames %d, format %s%s\n", refID, code, len(r.GetFrames()), r.GetFormat(), note)
		if r.GetError() != "" {
			fmt.Printf("  error: %s\n", r.GetError())
			fmt.Printf("  errorSource: %s\n", r.GetErrorSource())
		}
		if r.GetError() != "" || code >= 400 {
			failed++
		}
		for i, frame := range r.GetFrames() {
			file := filepath.Join(o.out, fmt.Sprintf("%s-%d.arrow", unsafeName.ReplaceAllString(refID, "_"), i))
			if err := os.WriteFile(file, frame, 0o644); err != nil {
				return fail(exitUsage, "%v", err)
			}
			verdict := "Arrow IPC file format"
			if r.GetFormat() != pb.DataFrameFormat_ARROW || !isArrowFile(frame) {
				verdict = "NOT the Arrow IPC file format Grafana reads"
				problems = append(problems, fmt.Sprintf("refId %s frame %d is not an Arrow IPC file", refID, i))
			}
			fmt.Printf("  frame %d: %d bytes -> %s  %s\n", i, len(frame), file, verdict)
			files = append(files, file)
		}
	}
	if len(files) > 0 && !o.noDecode {
		if err := decode(o, files); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return fail(exitProtocol, "%s", strings.Join(problems, "; "))
	}
	if failed > 0 {
		return fail(exitPlugin, "%d query response(s) with an error or a status >= 400", failed)
	}
	return nil
}

// decode runs decode-frames.mjs (in the folder above the binary's) on the frames: Grafana's reading rules.
func decode(o *options, files []string) error {
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	script := filepath.Join(filepath.Dir(filepath.Dir(self)), "decode-frames.mjs")
	node, nodeErr := exec.LookPath("node")
	if _, statErr := os.Stat(script); err != nil || statErr != nil || nodeErr != nil {
		return fail(exitUsage, "cannot decode the frames (needs node on PATH and %s); --no-decode skips it", script)
	}
	fmt.Println("--- decode-frames.mjs ---")
	cmd := exec.Command(node, append([]string{script, "--rows", fmt.Sprint(o.rows)}, files...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fail(exitProtocol, "decode-frames.mjs: frames Grafana cannot read (%v)", err)
	}
	return nil
}

func resource(ctx context.Context, client *plugin.Client, conn *grpc.ClientConn, c *call, o *options) error {
	// Grafana sends the part after .../resources/ as path, and the same with its query string as url.
	url := strings.TrimPrefix(o.path, "/")
	path := strings.SplitN(url, "?", 2)[0]
	stream, err := pb.NewResourceClient(conn).CallResource(ctx, &pb.CallResourceRequest{
		PluginContext: c.context(), Path: path, Method: "GET", Url: url, Headers: map[string]*pb.StringList{},
	})
	if err != nil {
		return rpcFailure(client, "pluginv2.Resource/CallResource", err)
	}
	var first *pb.CallResourceResponse
	var body []byte
	messages := 0
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rpcFailure(client, "pluginv2.Resource/CallResource", err)
		}
		if first == nil {
			first = msg // Grafana takes the status and headers from the first message, the body from all
		}
		body = append(body, msg.GetBody()...)
		messages++
	}
	if first == nil {
		return fail(exitProtocol, "CallResource answered no message (Grafana: \"received empty resource response\")")
	}
	code := first.GetCode()
	fmt.Printf("CallResource: status %d, %d message(s), %d bytes\n", code, messages, len(body))
	var names []string
	for name := range first.GetHeaders() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("  %s: %s\n", name, strings.Join(first.GetHeaders()[name].GetValues(), ", "))
	}
	if o.bodyOut != "" {
		if err := os.WriteFile(o.bodyOut, body, 0o644); err != nil {
			return fail(exitUsage, "--body-out: %v", err)
		}
		fmt.Printf("body -> %s\n", o.bodyOut)
	} else {
		fmt.Printf("%s\n", body)
	}
	if code < 100 || code > 599 {
		return fail(exitProtocol, "status %d is not an HTTP status", code)
	}
	if code >= 400 {
		return fail(exitPlugin, "HTTP status %d", code)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------------------

func main() {
	signal.Ignore(syscall.SIGPIPE) // a closed output pipe must not stop the host before it stops the plugin
	os.Exit(report(run(os.Args[1:])))
}

func run(args []string) error {
	o := &options{out: "frames", rows: 5}
	global := flags("grafana-host", o)
	if err := global.Parse(args); err != nil {
		return fail(exitUsage, "%v", err)
	}
	if global.NArg() < 2 {
		usage()
		return fail(exitUsage, "need PLUGIN_EXECUTABLE COMMAND")
	}
	exe, command := global.Arg(0), global.Arg(1)
	switch command {
	case "health", "query", "resource", "metrics":
	default:
		return fail(exitUsage, "unknown command %q", command)
	}
	sub := flags(command, o)
	if err := sub.Parse(global.Args()[2:]); err != nil {
		return fail(exitUsage, "%v", err)
	}
	if sub.NArg() > 0 {
		return fail(exitUsage, "unexpected arguments %v", sub.Args())
	}
	if command == "query" && o.jsonFile == "" {
		return fail(exitUsage, "query needs --json FILE")
	}
	if command == "resource" && o.path == "" {
		return fail(exitUsage, "resource needs --path")
	}
	req, err := readRequest(o.jsonFile)
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(exe); err == nil {
		exe = abs
	}
	if info, err := os.Stat(exe); err != nil || info.IsDir() {
		return fail(exitUsage, "%s is not a file", exe)
	} else if info.Mode()&0o111 == 0 {
		return fail(exitProtocol, "%s is not executable: Grafana runs the file itself, without arguments", exe)
	}
	c := &call{req: req}
	c.pluginID, c.pluginVersion = pluginInfo(exe)

	client, conn, err := start(o, exe)
	if err != nil {
		return err
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "host: interrupted")
		stop(client)
		os.Exit(130)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	switch command {
	case "health":
		err = health(ctx, client, conn, c)
	case "metrics":
		err = metrics(ctx, client, conn, c)
	case "query":
		err = query(ctx, client, conn, c, o)
	case "resource":
		err = resource(ctx, client, conn, c, o)
	}
	cancel()
	signal.Stop(signals)
	stop(client)
	return err
}

func report(err error) int {
	var f *failure
	switch {
	case err == nil:
		fmt.Fprintln(os.Stderr, "host: RESULT: OK")
		return exitOK
	case !errors.As(err, &f):
		fmt.Fprintf(os.Stderr, "host: RESULT: PROTOCOL FAILURE: %v\n", err)
		return exitProtocol
	case f.code == exitProtocol:
		fmt.Fprintf(os.Stderr, "host: RESULT: PROTOCOL FAILURE: %s\n", f.msg)
	case f.code == exitPlugin:
		fmt.Fprintf(os.Stderr, "host: RESULT: PLUGIN REPORTED A FAILURE: %s\n", f.msg)
	default:
		fmt.Fprintf(os.Stderr, "host: RESULT: USAGE ERROR: %s\n", f.msg)
	}
	return f.code
}
