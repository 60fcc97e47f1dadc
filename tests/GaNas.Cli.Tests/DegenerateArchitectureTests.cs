using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.SearchSpaces;

namespace GaNas.Tests;

/// <summary>TSS cells whose output does not depend on their input are invalid by construction.</summary>
public class DegenerateArchitectureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-degenerate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Degenerate_cells_are_counted()
    {
        var tss = TopologySearchSpace.Instance;
        Enumerable.Range(0, (int)tss.Size).Count(code => tss.Degeneracy(tss.Decode(code)) is not null).Should().Be(341);
        tss.Degeneracy(tss.Parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")).Should().Contain("no path");
        tss.Degeneracy(tss.Parse("|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|")).Should().BeNull("a skip-then-pool path still carries the input");
        SizeSearchSpace.Instance.Degeneracy(SizeSearchSpace.Instance.Parse("8:8:8:8:8")).Should().BeNull();
    }

    [Fact]
    public void Describe_reports_a_degenerate_cell()
    {
        var (code, output, error) = DescribeCommandTests.Run("describe", "--space", "tss", "--arch", "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|");
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("degenerate").GetString().Should().Contain("does not depend on the image");
    }

    [BenchmarkFact]
    public void Random_search_by_NI_never_returns_a_degenerate_cell()
    {
        // Before degenerate cells failed, 10 of these 30 runs returned one (1 % CIFAR-100 accuracy: a constant classifier).
        string output = Path.Combine(_dir, "rs-ni.json");
        var (code, _, error) = DescribeCommandTests.Run("bench", "--space", "tss", "--strategy", "rs", "--score", "ni",
            "--proxies", Path.Combine(RepositoryRoot(), "benchmarks", "proxies", "tss-cifar100.csv.gz"),
            "--truth", BenchmarkData.File("nats-tss", "cifar100.csv"), "--runs", "30", "--evaluations", "1000", "--out", output);
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        runs.Should().HaveCount(30);
        foreach (var run in runs)
        {
            TopologySearchSpace.Instance.Degeneracy(TopologySearchSpace.Instance.Parse(run.GetProperty("arch").GetString()!)).Should().BeNull();
            run.GetProperty("test_acc").GetDouble().Should().BeGreaterThan(10);
        }
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GaNas.MLNet.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("The repository root (GaNas.MLNet.sln) is not above the test's folder.");
    }
}
