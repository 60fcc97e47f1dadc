using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.Cli;

namespace GaNas.Tests;

/// <summary><c>ganas worker</c> and <c>--cluster</c>, as README runs them (here two workers in this process, on free ports).</summary>
public sealed class WorkerCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-worker-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [BenchmarkFact]
    public async Task A_search_on_two_workers_writes_the_local_search_json_and_proxies_the_local_table()
    {
        int[] ports = FreePorts(4);
        using var stop = new CancellationTokenSource();
        var log1 = new Log();
        var log2 = new Log();
        // A command runs on the caller's thread until it ends: each worker gets its own.
        Task<int> primary = Task.Run(() => GanasCli.RunAsync(["worker", "--threads", "1", "--lanes", "1", "--cluster-id", "test-" + ports[0], "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--primary-port", $"{ports[0]}"], TextWriter.Null, log1.Writer, stop.Token));
        await WaitFor(log1, "worker: silo", primary);
        Task<int> secondary = Task.Run(() => GanasCli.RunAsync(["worker", "--threads", "1", "--lanes", "1", "--cluster-id", "test-" + ports[0], "--silo-port", $"{ports[2]}", "--gateway-port", $"{ports[3]}", "--primary-port", $"{ports[0]}"], TextWriter.Null, log2.Writer, stop.Token));
        await WaitFor(log2, "worker: silo", secondary);
        try
        {
            string images = BenchmarkData.File("images", "cifar10-960");
            string[] search = ["search", "--space", "tss", "--strategy", "ga", "--score", "rk", "--images", images, "--evaluations", "16", "--batch", "8", "--channels", "4", "--cells", "1", "--seed", "2"];
            var local = DescribeCommandTests.Run([.. search, "--out", Path.Combine(_dir, "local.json")]);
            local.Code.Should().Be(0, local.Err);
            var remote = DescribeCommandTests.Run([.. search, "--out", Path.Combine(_dir, "cluster.json"), "--cluster", $"localhost:{ports[1]},{ports[3]}", "--cluster-id", "test-" + ports[0]]);
            remote.Code.Should().Be(0, remote.Err);
            remote.Err.Should().Contain("2 worker silo(s), 2 lane(s)");
            remote.Out.Should().Be(local.Out, "the best architecture printed is the local one");
            Comparable(Path.Combine(_dir, "cluster.json")).Should().Be(Comparable(Path.Combine(_dir, "local.json")), "trials, architectures and proxy values are the local ones");

            string table = BenchmarkData.File("nats-tss", "cifar10.csv");
            string[] proxies = ["proxies", "--space", "tss", "--images", images, "--table", table, "--archs", "random:6:3", "--batch", "8"];
            DescribeCommandTests.Run([.. proxies, "--out", Path.Combine(_dir, "local.csv")]).Code.Should().Be(0);
            var cluster = DescribeCommandTests.Run([.. proxies, "--out", Path.Combine(_dir, "cluster.csv"), "--cluster", $"localhost:{ports[1]}", "--cluster-id", "test-" + ports[0]]);
            cluster.Code.Should().Be(0, cluster.Err);
            cluster.Err.Should().Contain("cluster overhead");
            Values(Path.Combine(_dir, "cluster.csv")).Should().Equal(Values(Path.Combine(_dir, "local.csv")));

            // A table started locally is resumed on the cluster: only the missing rows are computed there.
            string resumed = Path.Combine(_dir, "resumed.csv");
            string[] first = ["proxies", "--space", "tss", "--images", images, "--table", table, "--batch", "8"];
            DescribeCommandTests.Run([.. first, "--archs", "10,11,12", "--out", resumed]).Code.Should().Be(0);
            var rest = DescribeCommandTests.Run([.. first, "--archs", "10,11,12,13,14", "--out", resumed, "--resume", "--cluster", $"localhost:{ports[1]}", "--cluster-id", "test-" + ports[0]]);
            rest.Code.Should().Be(0, rest.Err);
            rest.Err.Should().Contain("2 to compute (3 already in");
            DescribeCommandTests.Run([.. first, "--archs", "10,11,12,13,14", "--out", Path.Combine(_dir, "whole.csv")]).Code.Should().Be(0);
            Values(resumed).Should().Equal(Values(Path.Combine(_dir, "whole.csv")));

            // ganas train searches on the cluster and trains here: the same architecture as a local train.
            string[] train = ["train", "--images", images, "--evaluations", "6", "--channels", "4", "--epochs", "1", "--image-size", "16", "--seed", "1", "--keep-schedule", "--threads", "1"];
            var localTrain = DescribeCommandTests.Run([.. train, "--out", Path.Combine(_dir, "local.zip")]);
            localTrain.Code.Should().Be(0, localTrain.Err);
            var clusterTrain = DescribeCommandTests.Run([.. train, "--out", Path.Combine(_dir, "cluster.zip"), "--cluster", $"localhost:{ports[1]}", "--cluster-id", "test-" + ports[0]]);
            clusterTrain.Code.Should().Be(0, clusterTrain.Err);
            using (var a = JsonDocument.Parse(localTrain.Out))
            using (var b = JsonDocument.Parse(clusterTrain.Out))
            {
                b.RootElement.GetProperty("arch").GetString().Should().Be(a.RootElement.GetProperty("arch").GetString());
                b.RootElement.GetProperty("cluster").GetString().Should().Be($"localhost:{ports[1]}");
            }

            // The gateways refuse a client of another cluster.
            var stranger = DescribeCommandTests.Run([.. search, "--out", Path.Combine(_dir, "stranger.json"), "--cluster", $"localhost:{ports[1]}", "--cluster-id", "another", "--connect-timeout", "2"]);
            stranger.Code.Should().Be(1);
            stranger.Err.Should().Contain("cluster id 'another'");
        }
        finally
        {
            stop.Cancel();
        }
        (await secondary).Should().Be(0, log2.ToString());
        (await primary).Should().Be(0, log1.ToString());
        log1.ToString().Should().Contain("worker: stopped");
    }

    [BenchmarkFact]
    public void A_client_without_a_worker_to_connect_to_is_refused_with_the_endpoint_named()
    {
        int[] ports = FreePorts(1);
        var (code, _, error) = DescribeCommandTests.Run("search", "--space", "tss", "--strategy", "rs", "--score", "naswot", "--images", BenchmarkData.File("images", "cifar10-960"),
            "--evaluations", "2", "--batch", "8", "--out", Path.Combine(_dir, "none.json"), "--cluster", $"localhost:{ports[0]}", "--connect-timeout", "1");
        code.Should().Be(1);
        error.Should().Contain($"localhost:{ports[0]}").And.Contain("ganas worker");
    }

    [Theory]
    [InlineData("localhost:0", "'0' is not a port")]
    [InlineData("redis:", "Redis configuration")]
    [InlineData("tcp://somewhere", "expected localhost")]
    public void A_malformed_cluster_option_names_the_problem(string cluster, string expected)
    {
        var (code, _, error) = DescribeCommandTests.Run("worker", "--cluster", cluster);
        code.Should().Be(1);
        error.Should().Contain(expected);
    }

    /// <summary>The search JSON without what may differ between a local and a cluster run: timings, workers, the cluster.</summary>
    private static string Comparable(string path)
    {
        var doc = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(path))!;
        foreach (string key in new[] { "seconds", "workers", "cluster", "threads" }) doc.Remove(key);
        var history = doc["history"].EnumerateArray().Select(t => new
        {
            trial = t.GetProperty("trial").GetInt32(),
            arch = t.GetProperty("arch").GetString(),
            proxies = t.GetProperty("proxies").GetRawText(),
            error = t.GetProperty("error").ToString(),
        });
        doc.Remove("history");
        return JsonSerializer.Serialize(doc) + JsonSerializer.Serialize(history);
    }

    /// <summary>A proxy table's rows without the seconds column.</summary>
    private static List<string> Values(string path) => File.ReadAllLines(path).Select(l => l[..l.LastIndexOf(',')]).ToList();

    /// <summary>A worker's stderr, written on its threads and read here.</summary>
    private sealed class Log
    {
        private readonly StringWriter _text = new();

        public Log() => Writer = TextWriter.Synchronized(_text);

        public TextWriter Writer { get; }

        public override string ToString()
        {
            lock (Writer) return _text.ToString(); // the synchronized writer locks itself
        }
    }

    private static async Task WaitFor(Log log, string text, Task<int> worker)
    {
        for (int i = 0; i < 600 && !log.ToString().Contains(text, StringComparison.Ordinal); i++)
        {
            if (worker.IsCompleted) throw new InvalidOperationException($"The worker exited with {await worker}: {log}");
            await Task.Delay(100);
        }
        log.ToString().Should().Contain(text);
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
