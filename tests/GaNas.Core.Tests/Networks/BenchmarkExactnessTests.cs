using GaNas.Benchmarks;
using GaNas.Networks;
using GaNas.SearchSpaces;

namespace GaNas.Tests.Networks;

/// <summary>Every network builder output must have exactly the benchmark's parameter count.</summary>
public class BenchmarkExactnessTests
{
    public BenchmarkExactnessTests() => TestEnvironment.InitTorch();

    [BenchmarkTheory]
    [InlineData("tss", 400)]
    [InlineData("sss", 400)]
    public void Random_sample_of_the_table_has_the_benchmark_parameter_counts(string spaceName, int sample)
    {
        CheckParameters(spaceName, sample, seed: 2024);
    }

    [BenchmarkTheory]
    [Trait("Category", "Slow")]
    [InlineData("tss")]
    [InlineData("sss")]
    public void Every_architecture_of_the_table_has_the_benchmark_parameter_count(string spaceName)
    {
        CheckParameters(spaceName, sample: int.MaxValue, seed: 0);
    }

    private static void CheckParameters(string spaceName, int sample, int seed)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(spaceName);
        var table = BenchmarkTable.Read(space, BenchmarkData.File($"nats-{spaceName}", "cifar10.csv"));
        table.Count.Should().Be((int)space.Size);
        var rows = table.Entries.OrderBy(_ => 0).ToList();
        if (sample < rows.Count)
        {
            var random = new Random(seed);
            rows = rows.OrderBy(_ => random.Next()).Take(sample).ToList();
        }
        var mismatches = new List<string>();
        // Parameter counts do not depend on weights: build once per architecture, skip initialisation cost where possible.
        foreach (var entry in rows)
        {
            using CellNetwork net = space.BuildNetwork(entry.Genome, space.BenchmarkOptions(10));
            long count = NetworkStatistics.CountParameters(net);
            if (count != entry.Parameters) mismatches.Add($"{entry.Index} {entry.Architecture}: {count} != {entry.Parameters}");
        }
        mismatches.Should().BeEmpty();
    }
}
