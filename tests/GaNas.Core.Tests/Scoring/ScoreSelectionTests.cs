using GaNas.Scoring;

namespace GaNas.Tests.Scoring;

public class ScoreSelectionTests
{
    [Fact]
    public void Candidates_are_every_small_set_with_both_aggregations_and_one_doubled_weight()
    {
        var candidates = ScoreSelection.Candidates(["a", "b", "c"], maxTerms: 2);
        // 3 singles; 3 pairs x 2 aggregations x (equal weights + 2 one-term-doubled variants).
        candidates.Should().HaveCount(3 + 3 * 2 * 3);
        candidates.Select(c => c.Name).Should().Contain(["a", "a+b", "log:a+b", "2*a+b", "log:b+2*c"]).And.OnlyHaveUniqueItems();
        candidates.Should().OnlyContain(c => c.Terms.Count <= 2);
    }

    [Fact]
    public void The_informative_proxies_are_chosen_and_cross_validation_scores_held_out_rows()
    {
        var random = new Random(3);
        int n = 400;
        double[] a = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        double[] b = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        double[] noise = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        double[] accuracy = Enumerable.Range(0, n).Select(i => a[i] + b[i] + 0.1 * random.NextDouble()).ToArray();
        var values = new Dictionary<string, double[]> { ["a"] = a, ["b"] = b, ["noise"] = noise };
        var result = ScoreSelection.Run(values, accuracy, maxTerms: 3, folds: 4, seed: 1);
        HybridScore.Parse(result.Chosen.Score).Proxies.Should().BeEquivalentTo(["a", "b"]);
        result.Chosen.Kendall.Should().BeGreaterThan(0.75);
        // Each listed candidate's TopAccuracy is the accuracy of the row its own score ranks first (first of ties).
        foreach (var candidate in result.Top)
        {
            double[] s = HybridScore.Parse(candidate.Score).Score(n, (i, p) => values[p][i]);
            int first = Array.IndexOf(s, s.Max());
            candidate.TopAccuracy.Should().Be(accuracy[first], candidate.Score);
        }
        result.Top.Select(c => c.TopAccuracy).Should().Contain(t => t != accuracy.Max(), "some listed scores rank a row other than the most accurate first, so the check above is not vacuous");
        result.Top.Where(c => c.Score == "noise").Should().BeEmpty("a pure-noise score is far from the top list");
        result.Folds.Should().HaveCount(4).And.OnlyContain(f => f.TestRows == 100 && f.TrainRows == 300);
        result.CrossValidatedKendall.Should().BeGreaterThan(0.7);
        // Same seed, same folds and choice.
        ScoreSelection.Run(values, accuracy, maxTerms: 3, folds: 4, seed: 1).Folds.Select(f => f.Chosen).Should().Equal(result.Folds.Select(f => f.Chosen));
    }

    [Fact]
    public void Mismatched_or_non_finite_inputs_are_refused_by_name()
    {
        var ok = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        var act = () => ScoreSelection.Run(new Dictionary<string, double[]> { ["p"] = ok[..10] }, ok);
        act.Should().Throw<ArgumentException>().WithMessage("*'p' has 10 values for 20*");
        var nan = ok.Select(v => v == 3 ? double.NaN : v).ToArray();
        act = () => ScoreSelection.Run(new Dictionary<string, double[]> { ["p"] = ok }, nan);
        act.Should().Throw<ArgumentException>().WithMessage("*finite accuracy*");
    }
}
