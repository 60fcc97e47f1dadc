using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.SearchSpaces;

namespace GaNas.Tests;

/// <summary>`--rescore-finalists` on `ganas search` and `ganas bench`: the default's noise-aware choice among the final candidates.</summary>
public class RescoringCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-rescoring-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => DescribeCommandTests.Run(args);

    private JsonElement Search(string score, params string[] more)
    {
        string output = PathOf($"search-{Guid.NewGuid():N}.json");
        var (code, _, error) = Run(["search", "--space", "tss", "--strategy", "ga", "--score", score, "--images", BenchmarkData.File("images", "cifar10-960"),
            "--evaluations", "14", "--batch", "8", "--channels", "4", "--cells", "1", "--seed", "3", "--out", output, .. more]);
        code.Should().Be(0, error);
        return JsonDocument.Parse(File.ReadAllText(output)).RootElement;
    }

    [BenchmarkFact]
    public void Search_with_the_default_score_rescores_its_best_ten_on_tss()
    {
        JsonElement doc = Search("default");
        JsonElement finalists = doc.GetProperty("finalists");
        finalists.GetProperty("repeats").GetInt32().Should().Be(4);
        finalists.GetProperty("weight_seeds").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(4, 5, 6, 7);
        var candidates = finalists.GetProperty("candidates").EnumerateArray().ToList();
        candidates.Should().HaveCount(10);
        candidates.Select(c => c.GetProperty("rank").GetInt32()).Should().Equal(Enumerable.Range(1, 10));
        int chosen = finalists.GetProperty("chosen_rank").GetInt32();
        candidates[chosen - 1].GetProperty("arch").GetString().Should().Be(doc.GetProperty("best").GetProperty("arch").GetString());
        // The answer has the highest score after averaging.
        double top = candidates.Max(c => c.GetProperty("score").GetDouble());
        candidates[chosen - 1].GetProperty("score").GetDouble().Should().Be(top);
        finalists.GetProperty("evaluations").GetInt32().Should().Be(40);
    }

    [BenchmarkFact]
    public void Search_rescoring_is_off_with_a_named_score_or_when_turned_off()
    {
        Search("ctrk").GetProperty("finalists").ValueKind.Should().Be(JsonValueKind.Null, "a named score is searched as named");
        Search("default", "--rescore-finalists", "1").GetProperty("finalists").ValueKind.Should().Be(JsonValueKind.Null);
        JsonElement asked = Search("rk", "--rescore-finalists", "3", "--rescore-repeats", "2").GetProperty("finalists");
        asked.GetProperty("candidates").GetArrayLength().Should().Be(3);
        asked.GetProperty("weight_seeds").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(4, 5);
    }

    [BenchmarkFact]
    public void Bench_rescores_the_finalists_live_on_the_table_images()
    {
        string output = PathOf("bench.json");
        var (code, _, error) = Run("bench", "--space", "tss", "--strategy", "ga", "--score", "ctrk",
            "--proxies", string.Join(',', Path.Combine(DegenerateArchitectureTests.RepositoryRoot(), "benchmarks", "proxies", "tss-cifar10.csv.gz"),
                Path.Combine(DegenerateArchitectureTests.RepositoryRoot(), "benchmarks", "proxies", "tss-cifar10.extra.csv.gz")),
            "--truth", BenchmarkData.File("nats-tss", "cifar10.csv"), "--runs", "2", "--evaluations", "60", "--out", output,
            "--rescore-finalists", "3", "--rescore-repeats", "1", "--images", BenchmarkData.File("images", "cifar10-960"), "--classes", "10", "--threads", "1");
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        doc.RootElement.GetProperty("finalists").GetProperty("weight_seeds").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(1);
        var truth = BenchmarkTable.Read(TopologySearchSpace.Instance, BenchmarkData.File("nats-tss", "cifar10.csv"));
        foreach (JsonElement run in doc.RootElement.GetProperty("runs").EnumerateArray())
        {
            run.GetProperty("finalist_rank").GetInt32().Should().BeInRange(1, 3);
            int index = run.GetProperty("index").GetInt32(), searchBest = run.GetProperty("search_best_index").GetInt32();
            run.GetProperty("test_acc").GetDouble().Should().Be(truth[index].TestAccuracy);
            run.GetProperty("search_best_test_acc").GetDouble().Should().Be(truth[searchBest].TestAccuracy);
            if (run.GetProperty("finalist_rank").GetInt32() == 1) index.Should().Be(searchBest);
            else index.Should().NotBe(searchBest);
        }
    }

    [BenchmarkFact]
    public void Bench_with_the_default_score_on_tss_asks_for_the_images()
    {
        var (code, _, error) = Run("bench", "--space", "tss", "--strategy", "ga", "--score", "default",
            "--proxies", string.Join(',', Path.Combine(DegenerateArchitectureTests.RepositoryRoot(), "benchmarks", "proxies", "tss-cifar10.csv.gz"),
                Path.Combine(DegenerateArchitectureTests.RepositoryRoot(), "benchmarks", "proxies", "tss-cifar10.extra.csv.gz")),
            "--truth", BenchmarkData.File("nats-tss", "cifar10.csv"), "--runs", "1", "--evaluations", "20", "--out", PathOf("b.json"));
        code.Should().Be(1);
        error.Should().Contain("needs --images").And.Contain("--rescore-finalists 1");
    }
}
