using GaNas.Proxies;
using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.AutoML;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;

namespace GaNas.Tests.Search;

/// <summary>
/// A repeat of the synthetic landscape's measurement (SyntheticRunner's "sum" and "hash") under another "seed": the same
/// values plus <paramref name="shift"/>'s, or a failure where it returns NaN. Counts what it scores.
/// </summary>
internal sealed class ShiftedRepeatScorer(ISearchSpace space, Func<Genome, double> shift) : IProxyScorer
{
    private int _scored;

    public int Scored => _scored;

    public ISearchSpace Space => space;

    public int Concurrency => 1;

    public RunFingerprint Fingerprint { get; } = new([new KeyValuePair<string, string>("scorer", "shifted")]);

    public Task<ProxyScores> ScoreAsync(Genome genome, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _scored);
        int sum = genome.Genes.ToArray().Sum();
        double hash = space.Encode(genome) * 7919 % 10007;
        double delta = shift(genome);
        var values = new Dictionary<string, ProxyValue>
        {
            ["sum"] = double.IsNaN(delta) ? ProxyValue.Failed("synthetic repeat failure") : new ProxyValue(sum + delta, null),
            ["hash"] = new ProxyValue(hash + (double.IsNaN(delta) ? 0 : delta), null),
        };
        return Task.FromResult(new ProxyScores(genome, values, 0.5));
    }
}

public class FinalistRescoringTests
{
    private static readonly ISearchSpace Space = TopologySearchSpace.Instance;
    private static readonly HybridScore Score = HybridScore.Parse("sum+hash");

    private static NasExperimentResult Search(FinalistRescoring? rescoring, CancellationToken ct = default)
    {
        var experiment = new NasExperiment().SetTuner(StrategyRegistry.Create("rs", Space, Score, 5)).SetTrialRunner(new SyntheticRunner(Space)).SetMaxModelToExplore(200);
        if (rescoring is not null) experiment.SetFinalistRescoring(rescoring);
        return experiment.RunAsync(ct).GetAwaiter().GetResult();
    }

    /// <summary>The search's trials in its own order of preference (what the finalists are drawn from).</summary>
    private static Genome[] SearchOrder(NasExperimentResult result)
    {
        var history = new SearchHistory(Score);
        foreach (TrialResult t in result.Trials) history.Add(t);
        Genome[] pool = result.Trials.Select(t => t.Genome).ToArray();
        double[] scores = history.ScorePool(pool);
        return Enumerable.Range(0, pool.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Select(i => pool[i]).ToArray();
    }

    [Fact]
    public void The_finalist_that_ranks_highest_on_averaged_values_is_the_answer()
    {
        Genome[] order = SearchOrder(Search(null));
        Genome third = order[2];
        var repeats = new[] { new ShiftedRepeatScorer(Space, g => g.Equals(third) ? 1e6 : 0), new ShiftedRepeatScorer(Space, g => g.Equals(third) ? 1e6 : 0) };

        NasExperimentResult result = Search(new FinalistRescoring(5, repeats));

        result.Best!.Genome.Should().Be(third, "its repeated measurements put it above the other finalists");
        FinalistSelection selection = result.Finalists!;
        selection.Finalists.Select(f => f.Trial.Genome).Should().Equal(order.Take(5), "the finalists are the search's best 5, in its order");
        selection.Finalists.Select(f => f.SearchRank).Should().Equal(1, 2, 3, 4, 5);
        selection.Finalists.Single(f => ReferenceEquals(f.Trial, selection.Best)).SearchRank.Should().Be(3);
        selection.Evaluations.Should().Be(10, "5 finalists x 2 repeats");
        selection.ScoringSeconds.Should().Be(5.0, "each of the 10 repeat evaluations took 0.5 s");
        repeats.Sum(r => r.Scored).Should().Be(10);
        // The mean is over the search's measurement and both repeats'.
        Finalist rescored = selection.Finalists[2];
        double sum = third.Genes.ToArray().Sum();
        rescored.MeanValues["sum"].Should().BeApproximately((sum + 2 * (sum + 1e6)) / 3, 1e-6);
        // The search's trials are untouched: the values a search reports stay its single measurement.
        result.Trials.Single(t => t.Genome.Equals(third)).ProxyValues["sum"].Should().Be(sum);
    }

    [Fact]
    public void Repeats_that_agree_with_the_search_keep_its_answer()
    {
        NasExperimentResult plain = Search(null);
        NasExperimentResult result = Search(new FinalistRescoring(10, [new ShiftedRepeatScorer(Space, _ => 0)]));
        result.Best!.Genome.Should().Be(plain.Best!.Genome);
        result.Trials.Select(t => t.Genome).Should().Equal(plain.Trials.Select(t => t.Genome), "re-scoring comes after the search and does not change it");
    }

    [Fact]
    public void A_finalist_whose_repeat_fails_ranks_below_the_others()
    {
        Genome[] order = SearchOrder(Search(null));
        Genome first = order[0];
        var repeat = new ShiftedRepeatScorer(Space, g => g.Equals(first) ? double.NaN : 0);
        NasExperimentResult result = Search(new FinalistRescoring(4, [repeat]));
        result.Best!.Genome.Should().Be(order[1], "the search's best failed a repeat, so its mean is -inf, and the next keeps its place");
        result.Finalists!.Finalists[0].MeanValues["sum"].Should().Be(double.NegativeInfinity);
    }

    [Fact]
    public void Repeats_are_cached_across_selections_with_the_same_scorers()
    {
        var repeat = new ShiftedRepeatScorer(Space, _ => 0);
        var rescoring = new FinalistRescoring(6, [repeat]);
        NasExperimentResult first = Search(rescoring);
        NasExperimentResult second = Search(rescoring);
        first.Finalists!.Evaluations.Should().Be(6);
        second.Finalists!.Evaluations.Should().Be(0, "the same search's finalists were scored by the first selection");
        second.Finalists.ScoringSeconds.Should().Be(3.0, "a search alone would have paid for its 6 evaluations");
        repeat.Scored.Should().Be(6);
        second.Best!.Genome.Should().Be(first.Best!.Genome);
    }

    [Fact]
    public void A_cancelled_search_is_not_rescored()
    {
        var repeat = new ShiftedRepeatScorer(Space, _ => 0);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        NasExperimentResult result = Search(new FinalistRescoring(5, [repeat]), cts.Token);
        result.Finalists.Should().BeNull();
        repeat.Scored.Should().Be(0);
    }

    [Fact]
    public void Settings_are_checked()
    {
        var repeat = new ShiftedRepeatScorer(Space, _ => 0);
        FluentActions.Invoking(() => new FinalistRescoring(1, [repeat])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least 2 finalists*");
        FluentActions.Invoking(() => new FinalistRescoring(5, [])).Should().Throw<ArgumentException>().WithMessage("*at least one repeat*");
        FluentActions.Invoking(() => new FinalistRescoring(5, [repeat], workers: 0)).Should().Throw<ArgumentOutOfRangeException>();
        FinalistRescoring.DefaultFor(TopologySearchSpace.Instance, " Default ").Should().Be(new FinalistRescoringSettings(10, 4));
        FinalistRescoring.DefaultFor(TopologySearchSpace.Instance, "ctrk").IsOn.Should().BeFalse("a score given by name is searched as named");
        FinalistRescoring.DefaultFor(SizeSearchSpace.Instance, "default").IsOn.Should().BeFalse();
    }
}
