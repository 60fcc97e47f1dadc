using GaNas.Scoring;

namespace GaNas.Tests.Scoring;

public class ScoreSelectionTests
{
    [Fact]
    public void Candidates_are_every_small_set_with_both_aggregations_and_one_doubled_weight()
    {
        var candidates = ScoreCandidates.Grid(["a", "b", "c"], maxTerms: 2);
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
        result.Chosen.Tables[0].Kendall.Should().BeGreaterThan(0.75);
        // Each listed candidate's TopAccuracy is the accuracy of the row its own score ranks first (first of ties).
        foreach (var candidate in result.Top.Select(c => c.Tables[0]))
        {
            double[] s = HybridScore.Parse(candidate.Score).Score(n, (i, p) => values[p][i]);
            int first = Array.IndexOf(s, s.Max());
            candidate.TopAccuracy.Should().Be(accuracy[first], candidate.Score);
        }
        result.Top.Select(c => c.Tables[0].TopAccuracy).Should().Contain(t => t != accuracy.Max(), "some listed scores rank a row other than the most accurate first, so the check above is not vacuous");
        result.Top.Where(c => c.Score == "noise").Should().BeEmpty("a pure-noise score is far from the top list");
        result.Folds.Should().HaveCount(4).And.OnlyContain(f => f.Test[0].Rows == 100 && f.Train[0].Rows == 300);
        result.CrossValidatedKendall().Should().BeGreaterThan(0.7);
        // Same seed, same folds and choice.
        ScoreSelection.Run(values, accuracy, maxTerms: 3, folds: 4, seed: 1).Folds.Select(f => f.Chosen).Should().Equal(result.Folds.Select(f => f.Chosen));
    }

    [Fact]
    public void All_weights_tries_every_one_or_two_weighting_except_all_two()
    {
        var candidates = ScoreCandidates.Grid(["a", "b", "c"], maxTerms: 3, allWeights: true);
        // 3 singles; 3 pairs x 2 aggregations x 3 weightings; 1 triple x 2 aggregations x 7 weightings.
        candidates.Should().HaveCount(3 + 3 * 2 * 3 + 2 * 7);
        candidates.Select(c => c.Name).Should().Contain(["2*a+2*b+c", "log:a+2*b+2*c", "a+b+c"]).And.NotContain("2*a+2*b+2*c").And.OnlyHaveUniqueItems();
        ScoreCandidates.Grid(["a", "b", "c"], maxTerms: 3).Select(c => c.Name).Should().NotContain("2*a+2*b+c");
    }

    /// <summary>
    /// 'whole' follows accuracy closely except at the very top, where it puts mediocre rows first; 'top' is
    /// noisy overall but ranks the most accurate rows first. Kendall prefers 'whole', the elite objective 'top'.
    /// </summary>
    private static (Dictionary<string, double[]> Values, double[] Accuracy) TopVersusWhole()
    {
        var random = new Random(5);
        int n = 400;
        double[] accuracy = Enumerable.Range(0, n).Select(i => (double)i / n).ToArray();
        random.Shuffle(accuracy);
        double[] whole = accuracy.Select(a => a >= 0.95 ? a - 0.6 : a + 0.03 * random.NextDouble()).ToArray();
        for (int i = 0; i < n; i++)
        {
            if (accuracy[i] is >= 0.5 and < 0.55) whole[i] = 2 + accuracy[i];
        }
        double[] top = accuracy.Select(a => a >= 0.95 ? 5 + a : a + 0.8 * random.NextDouble()).ToArray();
        return (new Dictionary<string, double[]> { ["whole"] = whole, ["top"] = top }, accuracy);
    }

    [Fact]
    public void The_elite_objective_chooses_the_score_whose_own_elite_puts_an_accurate_row_first()
    {
        var (values, accuracy) = TopVersusWhole();
        var byKendall = ScoreSelection.Run(values, accuracy, new ScoreSelectionOptions { MaxTerms = 2, Folds = 4, Seed = 2, EliteFraction = 0.1 });
        var byElite = ScoreSelection.Run(values, accuracy, new ScoreSelectionOptions { MaxTerms = 2, Folds = 4, Seed = 2, EliteFraction = 0.1, Objective = SelectionObjective.Elite });
        byKendall.Chosen.Score.Should().Be("whole");
        byKendall.Chosen.Tables[0].EliteAccuracy.Should().BeLessThan(0.6);
        byElite.Chosen.Tables[0].EliteAccuracy.Should().BeGreaterThan(0.95);
        HybridScore.Parse(byElite.Chosen.Score).Proxies.Should().Contain("top");
        // The reported elite accuracy: the score's 40 best rows (10 % of 400), scored again among themselves; the first one's accuracy.
        foreach (var candidate in byElite.Top.Select(c => c.Tables[0]))
        {
            var score = HybridScore.Parse(candidate.Score);
            double[] s = score.Score(accuracy.Length, (i, p) => values[p][i]);
            int[] elite = Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).ThenBy(i => i).Take(40).ToArray();
            double[] again = score.Score(elite.Length, (i, p) => values[p][elite[i]]);
            int first = Enumerable.Range(0, elite.Length).OrderByDescending(i => again[i]).ThenBy(i => i).First();
            candidate.EliteAccuracy.Should().Be(accuracy[elite[first]], candidate.Score);
            var outcome = ScoreSelection.SearchOutcome(score, (i, p) => values[p][i], accuracy, 0.1);
            outcome.EliteAccuracy.Should().Be(candidate.EliteAccuracy);
            outcome.TopAccuracy.Should().Be(candidate.TopAccuracy);
        }
        byElite.Top.Select(c => c.Tables[0].EliteAccuracy).Should().BeInDescendingOrder();
        byElite.CrossValidatedEliteAccuracy().Should().BeGreaterThan(byKendall.CrossValidatedEliteAccuracy() + 0.1);
    }

    [Fact]
    public void Candidates_below_the_minimum_kendall_are_not_chosen_by_the_elite_objective()
    {
        var (values, accuracy) = TopVersusWhole();
        double topTau = Correlation.KendallTauB(values["top"], accuracy);
        var result = ScoreSelection.Run(values, accuracy, new ScoreSelectionOptions
        {
            MaxTerms = 2, Folds = 4, Seed = 2, EliteFraction = 0.1, Objective = SelectionObjective.Elite, MinKendall = topTau + 0.01,
        });
        result.Chosen.Score.Should().NotBe("top");
        result.Chosen.Tables[0].Kendall.Should().BeGreaterThanOrEqualTo(topTau + 0.01);
    }

    [Fact]
    public void Top_terms_are_added_to_the_best_bodies_by_kendall_and_can_win_the_elite_objective()
    {
        var (values, accuracy) = TopVersusWhole();
        double wholeTau = Correlation.KendallTauB(values["whole"], accuracy);
        var options = new ScoreSelectionOptions
        {
            MaxTerms = 1, Folds = 4, Seed = 2, EliteFraction = 0.1, Objective = SelectionObjective.Elite,
            MinKendall = wholeTau - 0.05, TopTerms = ["top"], TopWeights = [0.5, 4], Bodies = 1,
        };
        var result = ScoreSelection.Run(values, accuracy, options);
        // Bodies: 'whole' and 'top'; the best body by Kendall ('whole') gets top(top) at two weights.
        result.Candidates.Should().Be(4);
        result.Top.Select(c => c.Score).Should().BeEquivalentTo(["whole", "top", "log:whole+0.5*top(top)", "log:whole+4*top(top)"]);
        result.Chosen.Score.Should().StartWith("log:whole+").And.Contain("*top(top)");
        result.Chosen.Tables[0].Kendall.Should().BeGreaterThanOrEqualTo(wholeTau - 0.05);
        result.Chosen.Tables[0].EliteAccuracy.Should().BeGreaterThan(0.95);
        var act = () => ScoreSelection.Run(values, accuracy, options with { TopTerms = ["missing"] });
        act.Should().Throw<ArgumentException>().WithMessage("*'missing'*");
    }

    [Fact]
    public void A_joint_choice_avoids_a_score_that_fails_on_one_table()
    {
        var random = new Random(11);
        double[] Accuracy(int n) { var a = Enumerable.Range(0, n).Select(i => (double)i / n).ToArray(); random.Shuffle(a); return a; }
        double[] first = Accuracy(300), second = Accuracy(500);
        // 'p' is nearly exact on the first table but puts the second table's best 10 % last; 'q' is noisier and fine on both.
        var one = new Dictionary<string, double[]> { ["p"] = first.Select(a => a + 0.01 * random.NextDouble()).ToArray(), ["q"] = first.Select(a => a + 0.1 * random.NextDouble()).ToArray() };
        var two = new Dictionary<string, double[]> { ["p"] = second.Select(a => a >= 0.9 ? -a : a).ToArray(), ["q"] = second.Select(a => a + 0.1 * random.NextDouble()).ToArray() };
        var options = new ScoreSelectionOptions { MaxTerms = 2, Folds = 4, Seed = 3, Objective = SelectionObjective.Elite };
        var tables = new[] { new SelectionTable("one", one, first, 0.1), new SelectionTable("two", two, second, 0.05) };

        var alone = ScoreSelection.Run(one, first, options with { EliteFraction = 0.1 });
        var joint = ScoreSelection.RunJoint(tables, options);

        alone.Chosen.Score.Should().Be("p");
        joint.Tables.Should().Equal("one", "two");
        HybridScore.Parse(joint.Chosen.Score).Proxies.Should().Contain("q");
        joint.Top.Select(c => c.WorstEliteRegret).Should().BeInAscendingOrder();
        var p = joint.Top.Concat([joint.Chosen]).FirstOrDefault(c => c.Score == "p");
        if (p is not null) p.WorstEliteRegret.Should().BeGreaterThan(joint.Chosen.WorstEliteRegret);
        joint.Chosen.Tables[1].EliteAccuracy.Should().BeGreaterThan(0.95);
        joint.Chosen.WorstEliteRegret.Should().Be(Math.Max(first.Max() - joint.Chosen.Tables[0].EliteAccuracy, second.Max() - joint.Chosen.Tables[1].EliteAccuracy));
        joint.Folds.Should().HaveCount(4).And.OnlyContain(f => f.Test.Count == 2 && f.Test[0].Rows == 75 && f.Test[1].Rows == 125);
        // One table: RunJoint is Run.
        var single = ScoreSelection.RunJoint([new SelectionTable("one", one, first, 0.1)], options);
        single.Chosen.Tables[0].Should().Be(alone.Chosen.Tables[0]);
        single.Folds.Select(f => f.Chosen).Should().Equal(alone.Folds.Select(f => f.Chosen));

        var mismatched = new Dictionary<string, double[]> { ["p"] = two["p"], ["r"] = two["q"] };
        var act = () => ScoreSelection.RunJoint([tables[0], new SelectionTable("three", mismatched, second, 0.05)], options);
        act.Should().Throw<ArgumentException>().WithMessage("*'three'*same proxies*");
    }

    [Fact]
    public void Equal_worst_regrets_are_decided_by_the_summed_regret_before_kendall()
    {
        double[] accuracy = Enumerable.Range(0, 20).Select(i => i / 20.0).ToArray();
        // 'a' follows accuracy but puts row 18 (0.90) first on both tables; 'b' is noisy but puts the best row first on
        // the first table and row 18 first on the second. Worst regret 0.05 for both; summed 0.10 against 0.05.
        double[] a = Enumerable.Range(0, 20).Select(i => i == 18 ? 19.5 : i == 19 ? 18.5 : i).ToArray();
        double[] b1 = Enumerable.Range(0, 20).Select(i => i == 19 ? 100.0 : (i * 7) % 19).ToArray();
        double[] b2 = Enumerable.Range(0, 20).Select(i => i == 18 ? 100.0 : i == 19 ? 50 : (i * 7) % 19).ToArray();
        var tables = new[]
        {
            new SelectionTable("one", new Dictionary<string, double[]> { ["a"] = a, ["b"] = b1 }, accuracy, 1),
            new SelectionTable("two", new Dictionary<string, double[]> { ["a"] = a, ["b"] = b2 }, accuracy, 1),
        };
        var result = ScoreSelection.RunJoint(tables, new ScoreSelectionOptions { MaxTerms = 1, Folds = 2, Objective = SelectionObjective.Elite });
        result.Top.Select(c => c.Score).Should().Equal("b", "a");
        result.Top[0].WorstEliteRegret.Should().Be(result.Top[1].WorstEliteRegret);
        result.Top[0].WorstKendall.Should().BeLessThan(result.Top[1].WorstKendall, "Kendall tau alone would have chosen 'a'");
        result.Top[0].TotalEliteRegret.Should().BeLessThan(result.Top[1].TotalEliteRegret);
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
        act = () => ScoreSelection.Run(new Dictionary<string, double[]> { ["p"] = ok }, ok, new ScoreSelectionOptions { Objective = SelectionObjective.Elite, EliteFraction = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*EliteFraction*");
    }

    [Fact]
    public void Validation_measures_scores_on_every_row_of_another_table_and_refuses_what_it_cannot_measure()
    {
        double[] up = Enumerable.Range(0, 30).Select(i => (double)i).ToArray();
        double[] down = up.Select(v => -v).ToArray();
        // On the validation table 'a' is reversed against accuracy and 'b' follows it.
        var table = new SelectionTable("other", new Dictionary<string, double[]> { ["a"] = down, ["b"] = up }, up, 0.1);
        var results = ScoreSelection.Validate([HybridScore.Parse("a"), HybridScore.Parse("b")], table);
        results.Select(r => r.Score).Should().Equal("a", "b");
        results.Should().OnlyContain(r => r.Rows == 30);
        results[0].Kendall.Should().Be(-1);
        results[0].TopAccuracy.Should().Be(0);
        results[1].Kendall.Should().Be(1);
        results[1].EliteAccuracy.Should().Be(29);

        var act = () => ScoreSelection.Validate([HybridScore.Parse("a+c")], table);
        act.Should().Throw<ArgumentException>().WithMessage("*'other' has no proxy 'c'*");
        act = () => ScoreSelection.Validate([HybridScore.Parse("a")], table with { Accuracy = up.Select(v => v == 4 ? double.PositiveInfinity : v).ToArray() });
        act.Should().Throw<ArgumentException>().WithMessage("*'other'*finite accuracy*");
        act = () => ScoreSelection.Validate([HybridScore.Parse("a")], table with { EliteFraction = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'other'*elite fraction*");
    }
}
