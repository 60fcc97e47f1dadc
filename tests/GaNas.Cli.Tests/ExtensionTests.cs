using System.Globalization;
using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.Proxies;
using GaNas.Search.Strategies;

namespace GaNas.Tests;

/// <summary>
/// A proxy defined here, in the test assembly, and registered with one call: every verb that takes a proxy name accepts
/// it without any change to the library (the docs' worked example in docs/architecture.md).
/// </summary>
public sealed class TotalWidthProxy : IZeroCostProxy
{
    public const string ProxyName = "test_total_width";

    public string Name => ProxyName;

    /// <summary>The sum of an SSS architecture's five channel counts: computed from the genome alone.</summary>
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double width = context.Space.Format(context.Genome).Split(':').Sum(w => double.Parse(w, CultureInfo.InvariantCulture));
        return ProxyValue.Of(width, "total width");
    }
}

public class ExtensionTests : IDisposable
{
    private static readonly object Gate = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-extension-").FullName;

    public ExtensionTests()
    {
        lock (Gate)
        {
            if (!ProxyRegistry.Contains(TotalWidthProxy.ProxyName))
                ProxyRegistry.Register(TotalWidthProxy.ProxyName, "Sum of the five SSS channel counts (a test's own proxy).", () => new TotalWidthProxy());
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => DescribeCommandTests.Run(args);

    [Fact]
    public void A_taken_name_is_refused_for_every_kind_of_extension()
    {
        var proxy = () => ProxyRegistry.Register("naswot", "again", () => new TotalWidthProxy());
        proxy.Should().Throw<ArgumentException>().WithMessage("A proxy named 'naswot' is already registered.*");
        var strategy = () => StrategyRegistry.Register("ga", "again", q => new RandomSearch(q.Space, q.Score, q.Seed));
        strategy.Should().Throw<ArgumentException>().WithMessage("A strategy named 'ga' is already registered.*");
        var space = () => GaNas.SearchSpaces.SearchSpaceCatalog.Register(GaNas.SearchSpaces.TopologySearchSpace.Instance, "again");
        space.Should().Throw<ArgumentException>().WithMessage("A search space named 'tss' is already registered.*");
        var score = () => GaNas.Scoring.HybridScore.RegisterNamed("rk", "again", GaNas.Scoring.HybridScore.PaperRk);
        score.Should().Throw<ArgumentException>().WithMessage("A named score named 'rk' is already registered.*");
    }

    [BenchmarkFact]
    public void A_proxy_registered_by_the_application_runs_through_proxies_correlate_bench_and_search()
    {
        // ganas proxies: the whole SSS space, with the new proxy beside a built-in one.
        string table = Path.Combine(_dir, "width.csv");
        var proxies = Run("proxies", "--space", "sss", "--images", BenchmarkData.File("images", "cifar10-960"), "--table", BenchmarkData.File("nats-sss", "cifar10.csv"),
            "--archs", "all", "--batch", "4", "--proxies", $"{TotalWidthProxy.ProxyName}", "--out", table);
        proxies.Code.Should().Be(0, proxies.Err);
        var rows = ProxyTable.Read(table);
        rows.Count.Should().Be(32_768);
        rows.Column(TotalWidthProxy.ProxyName)[rows.RowOf(32767)].Should().Be(320, "64:64:64:64:64");

        // ganas correlate: the new column against the ground truth, as any proxy.
        var correlate = Run("correlate", "--proxies", table, "--truth", BenchmarkData.File("nats-sss", "cifar10.csv"));
        correlate.Code.Should().Be(0, correlate.Err);
        using (var doc = JsonDocument.Parse(correlate.Out))
            doc.RootElement.GetProperty("correlations").GetProperty(TotalWidthProxy.ProxyName).GetProperty("kendall").GetDouble().Should().BeInRange(0.3, 1);

        // ganas bench: the new proxy as the score of a tabular GA.
        string bench = Path.Combine(_dir, "bench.json");
        var benched = Run("bench", "--space", "sss", "--strategy", "ga", "--score", TotalWidthProxy.ProxyName, "--proxies", table,
            "--truth", BenchmarkData.File("nats-sss", "cifar10.csv"), "--runs", "2", "--evaluations", "1000", "--out", bench);
        benched.Code.Should().Be(0, benched.Err);
        using (var doc = JsonDocument.Parse(File.ReadAllText(bench)))
            doc.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("arch").GetString()).Should().OnlyContain(a => a == "64:64:64:64:64");

        // ganas search: the new proxy computed live, inside a hybrid with a built-in one.
        var search = Run("search", "--space", "sss", "--strategy", "rs", "--score", $"{TotalWidthProxy.ProxyName}+params",
            "--images", BenchmarkData.File("images", "cifar10-960"), "--evaluations", "12", "--batch", "4", "--out", Path.Combine(_dir, "search.json"));
        search.Code.Should().Be(0, search.Err);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "search.json"))))
        {
            // Every trial computed the new proxy live: its value is the architecture's total width.
            var history = doc.RootElement.GetProperty("history").EnumerateArray().ToList();
            history.Should().HaveCount(12);
            foreach (var trial in history)
            {
                double width = trial.GetProperty("arch").GetString()!.Split(':').Sum(w => double.Parse(w, CultureInfo.InvariantCulture));
                trial.GetProperty("proxies").GetProperty(TotalWidthProxy.ProxyName).GetDouble().Should().Be(width);
            }
        }
    }
}
