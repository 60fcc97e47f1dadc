namespace GaNas.Tests;

/// <summary>docs/results/{space}.md are what <c>ganas summarize --page</c> makes of the committed benches.</summary>
public class ResultsPageTests
{
    [BenchmarkTheory]
    [InlineData("tss")]
    [InlineData("sss")]
    public void The_results_pages_are_generated_from_the_committed_benches(string space)
    {
        string root = DegenerateArchitectureTests.RepositoryRoot();
        var result = DescribeCommandTests.Run(["summarize", "--results", Path.Combine(root, "benchmarks", "results"), "--page", space,
            "--anchors", Path.Combine(root, "benchmarks", "published-anchors.csv")]);
        result.Code.Should().Be(0, result.Err);
        string page = File.ReadAllText(Path.Combine(root, "docs", "results", space + ".md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string begin = $"<!-- ganas summarize --page {space}: begin -->\n", end = $"\n<!-- ganas summarize --page {space}: end -->";
        int from = page.IndexOf(begin, StringComparison.Ordinal), to = page.IndexOf(end, StringComparison.Ordinal);
        from.Should().BePositive();
        page[(from + begin.Length)..to].Should().Be(result.Out.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n'), "regenerate the page after the benches change");
        result.Out.Should().Contain("(default)").And.Contain("largest network").And.Contain("CIFAR-100 (choice data)").And.Contain("its CIFAR-100 is validation");
    }
}
