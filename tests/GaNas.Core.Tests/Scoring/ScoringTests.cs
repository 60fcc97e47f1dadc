using GaNas.SearchSpaces;
using GaNas.Scoring;

namespace GaNas.Tests.Scoring;

public class ScoringTests
{
    [Fact]
    public void Ties_share_their_average_rank_and_failures_rank_last()
    {
        Ranking.AverageRanks([3, 1, 3, 2]).Should().Equal(3.5, 1, 3.5, 2);
        Ranking.AverageRanks([double.NaN, 5, double.NegativeInfinity, 1]).Should().Equal(1.5, 4, 1.5, 3);
    }

    [Fact]
    public void Linear_rank_sum_is_the_papers_rk()
    {
        // Three candidates, three proxies. Ranks (1 = worst): ni [1,2,3], naswot [3,1,2], logsynflow [2,3,1].
        var values = new Dictionary<string, double[]>
        {
            ["ni"] = [0.1, 0.2, 0.3],
            ["naswot"] = [30, 10, 20],
            ["logsynflow"] = [2, 3, 1],
        };
        double[] score = HybridScore.PaperRk.Score(3, (i, p) => values[p][i]);
        score.Should().Equal(6, 6, 6);
        values["ni"] = [0.3, 0.2, 0.1];
        HybridScore.PaperRk.Score(3, (i, p) => values[p][i]).Should().Equal(8, 6, 4);
    }

    [Fact]
    public void Log_rank_aggregation_sums_log_rank_over_n()
    {
        var score = HybridScore.Parse("log:a+b");
        score.Aggregation.Should().Be(RankAggregation.Log);
        var values = new Dictionary<string, double[]> { ["a"] = [1, 2, 3, 4], ["b"] = [4, 3, 2, 1] };
        double[] s = score.Score(4, (i, p) => values[p][i]);
        s[0].Should().BeApproximately(Math.Log(1 / 4.0) + Math.Log(4 / 4.0), 1e-12);
        s[1].Should().BeApproximately(Math.Log(2 / 4.0) + Math.Log(3 / 4.0), 1e-12);
        // Log aggregation prefers the balanced candidate; a linear sum would tie them.
        s[1].Should().BeGreaterThan(s[0]);
    }

    [Fact]
    public void Weights_and_single_proxies_parse()
    {
        var score = HybridScore.Parse("2*naswot+ni");
        score.Terms.Should().Equal(new ScoreTerm("naswot", 2), new ScoreTerm("ni", 1));
        score.Name.Should().Be("2*naswot+ni");
        HybridScore.Parse("naswot").IsSingleProxy.Should().BeTrue();
        HybridScore.Parse("rk").Proxies.Should().Equal("ni", "naswot", "logsynflow");
        var values = new[] { 5.0, double.NaN, 7 };
        HybridScore.Parse("naswot").Score(3, (i, _) => values[i]).Should().Equal(5, double.NegativeInfinity, 7);
    }

    [Fact]
    public void The_default_score_depends_on_the_space_ctrk_on_tss_csrk_on_sss_and_needs_a_space()
    {
        HybridScore.Parse("default", TopologySearchSpace.Instance).Should().BeSameAs(HybridScore.TopologyDefault);
        HybridScore.Parse(" Default ", SizeSearchSpace.Instance).Should().BeSameAs(HybridScore.SizeDefault);
        var csrk = HybridScore.Parse("CSRK");
        csrk.Should().BeSameAs(HybridScore.SizeDefault);
        csrk.Name.Should().Be("csrk");
        csrk.Aggregation.Should().Be(RankAggregation.Log);
        csrk.Terms.Should().Equal(new ScoreTerm("az_progressivity", 2), new ScoreTerm("logsynflow", 2), new ScoreTerm("params", 1), new ScoreTerm("synflow", 1), new ScoreTerm("az_expressivity", 0.25, Top: true));
        HybridScore.Parse("log:2*az_progressivity+2*logsynflow+params+synflow+0.25*top(az_expressivity)").Terms.Should().Equal(csrk.Terms);
        var ctrk = HybridScore.Parse("ctrk");
        ctrk.Should().BeSameAs(HybridScore.TopologyDefault);
        ctrk.Terms.Should().Equal(new ScoreTerm("logsynflow", 1), new ScoreTerm("meco", 2), new ScoreTerm("naswot", 1), new ScoreTerm("az_progressivity", 0.5, Top: true));
        HybridScore.Parse("ctrk", SizeSearchSpace.Instance).Should().BeSameAs(HybridScore.TopologyDefault, "a named score is the same on every space");
        var srk = HybridScore.Parse("SRK");
        srk.Should().BeSameAs(HybridScore.SizeCifar10);
        srk.Terms.Should().Equal(new ScoreTerm("az_expressivity", 2), new ScoreTerm("ni", 2), new ScoreTerm("synflow", 1), new ScoreTerm("az_progressivity", 0.25, Top: true));
        var act = () => HybridScore.Parse("default");
        act.Should().Throw<FormatException>().WithMessage("*depends on the search space*");
        act = () => HybridScore.Parse("default", null);
        act.Should().Throw<FormatException>().WithMessage("*depends on the search space*");
    }

    [Fact]
    public void Trk_adds_a_progressivity_top_term_to_a_log_rank_body_and_lrk_and_rk_stay_as_chosen()
    {
        var trk = HybridScore.Parse("TRK");
        trk.Should().BeSameAs(HybridScore.TopologyCifar10);
        trk.Name.Should().Be("trk");
        trk.Aggregation.Should().Be(RankAggregation.Log);
        trk.Terms.Should().Equal(new ScoreTerm("az_expressivity", 2), new ScoreTerm("logsynflow", 2), new ScoreTerm("meco", 1),
            new ScoreTerm("synflow", 1), new ScoreTerm("az_progressivity", 0.5, Top: true));
        HybridScore.Parse("log:2*az_expressivity+2*logsynflow+meco+synflow+0.5*top(az_progressivity)").Terms.Should().Equal(trk.Terms);

        var lrk = HybridScore.Parse("LRK");
        lrk.Should().BeSameAs(HybridScore.LogRank);
        lrk.Aggregation.Should().Be(RankAggregation.Log);
        lrk.Terms.Should().Equal(new ScoreTerm("az_expressivity", 1), new ScoreTerm("logsynflow", 1), new ScoreTerm("meco", 2), new ScoreTerm("synflow", 1));
        lrk.Name.Should().Be("lrk");
        HybridScore.Parse("rk").Should().BeSameAs(HybridScore.PaperRk);
        HybridScore.PaperRk.Aggregation.Should().Be(RankAggregation.Linear);
        HybridScore.PaperRk.Terms.Should().OnlyContain(t => t.Weight == 1);
        // Log-rank: a candidate last on MeCo (weight 2) loses to one that is middling everywhere.
        var values = new Dictionary<string, double[]>
        {
            ["az_expressivity"] = [3, 2, 1], ["logsynflow"] = [3, 2, 1], ["meco"] = [1, 2, 3], ["synflow"] = [3, 2, 1],
        };
        double[] s = lrk.Score(3, (i, p) => values[p][i]);
        s[1].Should().BeGreaterThan(s[0]);
    }

    [Fact]
    public void A_top_term_adds_log_n_over_reversed_rank_the_mirror_image_of_log_rank()
    {
        var score = HybridScore.Parse("log:a+2*top(b)");
        score.Name.Should().Be("log:a+2*top(b)");
        score.Terms.Should().Equal(new ScoreTerm("a", 1), new ScoreTerm("b", 2, Top: true));
        var a = new double[] { 1, 2, 3, 4 };
        var b = new double[] { 4, 3, 2, 1 };
        double[] s = score.Score(4, (i, p) => p == "a" ? a[i] : b[i]);
        // Ranks (1 = worst): a = 1, 2, 3, 4; b = 4, 3, 2, 1. Term: log(r/4) for a, 2 * log(4 / (4 - r + 1)) for b.
        double[] expected = [Math.Log(0.25) + 2 * Math.Log(4), Math.Log(0.5) + 2 * Math.Log(4 / 2.0), Math.Log(0.75) + 2 * Math.Log(4 / 3.0), Math.Log(1) + 2 * Math.Log(1)];
        s.Should().Equal(expected, (x, y) => Math.Abs(x - y) < 1e-12);
        // In a linear score a top term is the same transform; the other terms stay ranks.
        double[] linear = HybridScore.Parse("a+top(b)").Score(4, (i, p) => p == "a" ? a[i] : b[i]);
        linear.Should().Equal([1 + Math.Log(4), 2 + Math.Log(2), 3 + Math.Log(4 / 3.0), 4 + 0.0], (x, y) => Math.Abs(x - y) < 1e-12);
        HybridScore.RankTerm(4, 4, RankAggregation.Log, top: true).Should().BeApproximately(Math.Log(4), 1e-12);
        HybridScore.RankTerm(1, 4, RankAggregation.Log, top: true).Should().Be(0);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("lrk+params", "stands alone")]
    [InlineData("naswot+", "empty term")]
    [InlineData("x*naswot", "not a number")]
    [InlineData("rk+params", "stands alone")]
    [InlineData("naswot+naswot", "twice")]
    [InlineData("-1*naswot", "positive")]
    [InlineData("naswot+top(meco", "closing parenthesis")]
    [InlineData("naswot+top()", "not a proxy name")]
    [InlineData("naswot+top(top(meco))", "not a proxy name")]
    public void Bad_scores_are_rejected(string text, string message)
    {
        var act = () => HybridScore.Parse(text);
        act.Should().Throw<Exception>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Kendall_tau_b_matches_the_quadratic_definition_with_ties()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = random.Next(2, 60);
            double[] x = Enumerable.Range(0, n).Select(_ => (double)random.Next(8)).ToArray();
            double[] y = Enumerable.Range(0, n).Select(_ => (double)random.Next(8)).ToArray();
            double expected = BruteKendall(x, y);
            double actual = Correlation.KendallTauB(x, y);
            if (double.IsNaN(expected)) double.IsNaN(actual).Should().BeTrue();
            else actual.Should().BeApproximately(expected, 1e-12);
        }
    }

    [Fact]
    public void Spearman_of_monotone_series_is_one()
    {
        Correlation.Spearman([1, 2, 3, 4], [10, 20, 30, 1000]).Should().BeApproximately(1, 1e-12);
        Correlation.Spearman([1, 2, 3, 4], [4, 3, 2, 1]).Should().BeApproximately(-1, 1e-12);
        Correlation.KendallTauB([1, 2, 3, 4], [4, 3, 2, 1]).Should().BeApproximately(-1, 1e-12);
    }

    private static double BruteKendall(double[] x, double[] y)
    {
        long c = 0, d = 0, tx = 0, ty = 0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i + 1; j < x.Length; j++)
            {
                double a = Math.Sign(x[i] - x[j]), b = Math.Sign(y[i] - y[j]);
                if (a == 0 && b == 0) continue;
                if (a == 0) { tx++; continue; }
                if (b == 0) { ty++; continue; }
                if (a == b) c++; else d++;
            }
        }
        double denom = Math.Sqrt((double)(c + d + tx) * (c + d + ty));
        return denom == 0 ? double.NaN : (c - d) / denom;
    }
}
