using GaNas.Benchmarks;
using GaNas.SearchSpaces;

namespace GaNas.Tests.Benchmarks;

/// <summary>The proxy tables committed under benchmarks/proxies parse and agree with the benchmark's index-to-architecture map.</summary>
public class CommittedProxyTableTests
{
    private static string ProxiesFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GaNas.MLNet.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "benchmarks", "proxies");
    }

    [Fact]
    public void Every_space_and_dataset_has_a_complete_table_and_extension()
    {
        // The reproduction's six tables (paper's proxies) and their extensions (AZ-NAS, MeCo); a .gz is only written
        // once complete, which the test below checks row by row against the benchmark.
        string folder = ProxiesFolder();
        foreach (string space in new[] { "tss", "sss" })
        foreach (string dataset in new[] { "cifar10", "cifar100", "imagenet16-120" })
        foreach (string kind in new[] { ".csv", ".extra.csv" })
        {
            string name = $"{space}-{dataset}{kind}";
            File.Exists(Path.Combine(folder, name + ".gz")).Should().BeTrue($"{name}.gz is one of the committed tables");
            File.Exists(Path.Combine(folder, name)).Should().BeFalse($"{name} (partial, plain) should be gone once {name}.gz is complete");
        }
    }

    [BenchmarkFact]
    public void Committed_tables_parse_and_match_benchmark_architectures()
    {
        var files = Directory.GetFiles(ProxiesFolder()).Where(f => f.EndsWith(".csv", StringComparison.Ordinal) || f.EndsWith(".csv.gz", StringComparison.Ordinal)).ToList();
        files.Should().NotBeEmpty();
        foreach (string file in files)
        {
            string name = Path.GetFileName(file);
            string spaceName = name[..3];
            ISearchSpace space = SearchSpaceCatalog.ByName(spaceName);
            var truth = BenchmarkTable.Read(space, BenchmarkData.File($"nats-{spaceName}", "cifar10.csv"));
            ProxyTable table = ProxyTable.Read(file);
            string[] paperSix = ["naswot", "ni", "logsynflow", "synflow", "params", "macs"];
            if (name.Contains(".extra.", StringComparison.Ordinal))
            {
                // Extension tables ({space}-{dataset}.extra.csv[.gz]) hold registered proxies beyond the paper's six.
                table.ProxyNames.Should().NotBeEmpty().And.OnlyContain(p => GaNas.Proxies.ProxyRegistry.Names.Contains(p) && !paperSix.Contains(p));
            }
            else table.ProxyNames.Should().Equal(paperSix);
            table.Seconds.Should().NotBeNull();
            for (int r = 0; r < table.Count; r++)
                space.Parse(table.Architectures[r]!).Should().Be(truth[table.Indices[r]].Genome, $"{name} row {r + 2}");
            if (name.EndsWith(".gz", StringComparison.Ordinal)) table.Count.Should().Be((int)space.Size, $"{name} is stored compressed only when complete");
            if (table.Has("params") && name.StartsWith($"{spaceName}-cifar10.", StringComparison.Ordinal))
            {
                // With 10 classes the params column must be the benchmark's exact count.
                var parameters = table.Column("params");
                for (int r = 0; r < table.Count; r++) parameters[r].Should().Be(truth[table.Indices[r]].Parameters, $"{name} row {r + 2}");
            }
        }
    }
}
