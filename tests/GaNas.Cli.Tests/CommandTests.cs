using System.Globalization;
using System.Text.Json;
using GaNas.Benchmarks;

namespace GaNas.Tests;

public class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => DescribeCommandTests.Run(args);

    [BenchmarkFact]
    public void Proxies_writes_one_row_per_architecture_and_resumes()
    {
        string output = PathOf("p.csv");
        string[] args = ["proxies", "--space", "sss", "--images", BenchmarkData.File("images", "cifar10-960"), "--table", BenchmarkData.File("nats-sss", "cifar10.csv"),
            "--archs", "0,1,32767", "--batch", "8", "--proxies", "naswot,ni,logsynflow,params", "--out", output];
        var (code, _, error) = Run(args);
        code.Should().Be(0, error);
        string[] lines = File.ReadAllLines(output);
        lines[0].Should().Be("index,arch,naswot,ni,logsynflow,params,seconds");
        lines.Should().HaveCount(4);
        lines[1].Should().StartWith("0,8:8:8:8:8,").And.Contain(",11714,");
        // A kill leaves a partial last row: --resume drops it and recomputes only that architecture.
        File.WriteAllLines(output, [.. lines[..3], lines[3][..10]]);
        var (again, _, err2) = Run([.. args, "--resume"]);
        again.Should().Be(0, err2);
        err2.Should().Contain("1 to compute (2 already");
        File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')[0]).Should().Equal("0", "1", "32767");
        var (refused, _, err3) = Run(args);
        refused.Should().Be(1);
        err3.Should().Contain("--resume");
    }

    [Fact]
    public void Correlate_reports_kendall_and_spearman_of_each_column_and_hybrid()
    {
        string truth = PathOf("truth.csv"), proxies = PathOf("proxies.csv");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 20).Select(i => $"{i},x,1,{80 + i},{70 + i}")]);
        File.WriteAllLines(proxies, ["index,good,bad,seconds", .. Enumerable.Range(0, 20).Select(i => $"{i},{i * i},{-i},0.5")]);
        var (code, output, error) = Run("correlate", "--proxies", proxies, "--truth", truth, "--hybrid", "good+bad", "--hybrid", "2*good+bad", "--elite-fraction", "0.5", "--plot", PathOf("plots"));
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(output);
        var c = doc.RootElement.GetProperty("correlations");
        doc.RootElement.GetProperty("n").GetInt32().Should().Be(20);
        c.GetProperty("good").GetProperty("kendall").GetDouble().Should().Be(1);
        c.GetProperty("bad").GetProperty("spearman").GetDouble().Should().Be(-1);
        // Equal weights of opposite ranks tie every candidate: the correlation is undefined (null).
        c.GetProperty("good+bad").GetProperty("kendall").ValueKind.Should().Be(JsonValueKind.Null);
        c.GetProperty("2*good+bad").GetProperty("kendall").GetDouble().Should().Be(1);
        // What a search would return: the first row by the score (over all rows, and within its elite of 10 rows).
        c.GetProperty("good").GetProperty("top_ranked_acc").GetDouble().Should().Be(99);
        c.GetProperty("bad").GetProperty("top_ranked_acc").GetDouble().Should().Be(80);
        c.GetProperty("bad").GetProperty("elite_acc").GetDouble().Should().Be(80);
        doc.RootElement.GetProperty("seconds_per_arch").GetProperty("median").GetDouble().Should().Be(0.5);
        File.Exists(Path.Combine(PathOf("plots"), "good-vs-test_acc.png")).Should().BeTrue();
    }

    [Fact]
    public void Correlate_over_repeated_tables_reports_each_repeat_and_their_mean()
    {
        string truth = PathOf("truth.csv"), first = PathOf("seed0.csv"), second = PathOf("seed1.csv"), other = PathOf("other.csv");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 20).Select(i => $"{i},x,1,{80 + i},{70 + i}")]);
        // Repeat 0 ranks every row right; repeat 1 swaps rows 0 and 19 (tau = 1 - 2 * 37 / 190).
        File.WriteAllLines(first, ["index,p", .. Enumerable.Range(0, 20).Select(i => $"{i},{i}")]);
        File.WriteAllLines(second, ["index,p", .. Enumerable.Range(0, 20).Select(i => $"{i},{(i == 0 ? 19 : i == 19 ? 0 : i)}")]);
        var (code, output, error) = Run("correlate", "--proxies", first, "--proxies", second, "--truth", truth);
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("repeats").GetInt32().Should().Be(2);
        var p = doc.RootElement.GetProperty("correlations").GetProperty("p");
        double swapped = 1 - 2.0 * 37 / 190;
        p.GetProperty("kendall_per_repeat").EnumerateArray().Select(e => e.GetDouble()).Should().Equal(1, Math.Round(swapped, 4));
        p.GetProperty("kendall").GetDouble().Should().BeApproximately((1 + swapped) / 2, 1e-4);
        // Between the repeats: the same swap, and of the top 2 rows (19 and 18 in repeat 0) repeat 1 keeps only row 18.
        p.GetProperty("kendall_between_repeats").GetDouble().Should().BeApproximately(swapped, 1e-4);
        var top2 = Run("correlate", "--proxies", first, "--proxies", second, "--truth", truth, "--top-fraction", "0.1");
        using (var d = JsonDocument.Parse(top2.Out)) d.RootElement.GetProperty("correlations").GetProperty("p").GetProperty("top_overlap").GetDouble().Should().Be(0.5);

        // What each repeat's search returns (row 19, 99 %; row 0, 80 %), and the mean of the repeats: rows 0 and 19 tie at
        // 9.5 and row 18 (98 %) comes first.
        p.GetProperty("top_ranked_acc_per_repeat").EnumerateArray().Select(e => e.GetDouble()).Should().Equal(99, 80);
        var averaged = Run("correlate", "--proxies", first, "--proxies", second, "--truth", truth, "--average");
        averaged.Code.Should().Be(0, averaged.Err);
        using (var d = JsonDocument.Parse(averaged.Out))
        {
            var mean = d.RootElement.GetProperty("averaged");
            mean.GetProperty("n").GetInt32().Should().Be(20);
            mean.GetProperty("correlations").GetProperty("p").GetProperty("top_ranked_acc").GetDouble().Should().Be(98);
            mean.GetProperty("proxies_file").GetString().Should().Contain(first).And.Contain(second);
        }
        var single = Run("correlate", "--proxies", first, "--truth", truth, "--average");
        single.Code.Should().Be(1);
        single.Err.Should().Contain("--average needs repeated tables");

        File.WriteAllLines(other, ["index,q", .. Enumerable.Range(0, 20).Select(i => $"{i},{i}")]);
        var mismatch = Run("correlate", "--proxies", first, "--proxies", other, "--truth", truth);
        mismatch.Code.Should().Be(1);
        mismatch.Err.Should().Contain(other).And.Contain("same proxies");
    }

    [Fact]
    public void Correlate_ranks_failed_rows_last_or_leaves_them_out_and_refuses_repeats_of_other_architectures()
    {
        string truth = PathOf("truth.csv"), first = PathOf("seed0.csv"), second = PathOf("seed1.csv"), shifted = PathOf("shifted.csv");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 30).Select(i => $"{i},x,1,{60 + i},{50 + i}")]);
        // Repeat 0 failed on rows 17 to 19 (the three most accurate), repeat 1 on rows 0 to 2; the other rows are ranked right.
        string Row(int i) => i >= 17 ? $"{i},-inf,{i}" : $"{i},{i},{i}";
        File.WriteAllLines(first, ["index,p,q", .. Enumerable.Range(0, 20).Select(Row)]);
        File.WriteAllLines(second, ["index,p,q", .. Enumerable.Range(0, 20).Select(i => i < 3 ? $"{i},-inf,{i}" : $"{i},{i},{i}")]);

        var last = Run("correlate", "--proxies", first, "--truth", truth, "--hybrid", "p+q");
        last.Code.Should().Be(0, last.Err);
        using (var d = JsonDocument.Parse(last.Out))
        {
            var p = d.RootElement.GetProperty("correlations").GetProperty("p");
            // Ranked last: 136 concordant pairs among the 17, 51 discordant with the failed three, 3 pairs tied in p.
            p.GetProperty("kendall").GetDouble().Should().BeApproximately((136 - 51) / Math.Sqrt(187.0 * 190), 1e-4);
            p.GetProperty("failures").GetInt32().Should().Be(3);
            p.GetProperty("correlated").GetInt32().Should().Be(20);
        }
        var omit = Run("correlate", "--proxies", first, "--proxies", second, "--truth", truth, "--hybrid", "p+q", "--failed", "omit");
        omit.Code.Should().Be(0, omit.Err);
        using (var d = JsonDocument.Parse(omit.Out))
        {
            d.RootElement.GetProperty("failed").GetString().Should().Be("omit");
            var c = d.RootElement.GetProperty("correlations");
            c.GetProperty("p").GetProperty("kendall").GetDouble().Should().Be(1);
            c.GetProperty("p").GetProperty("spearman").GetDouble().Should().Be(1);
            c.GetProperty("p").GetProperty("correlated_per_repeat").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(17, 17);
            c.GetProperty("p").GetProperty("kendall_between_repeats").GetDouble().Should().Be(1, "the repeats agree on the 14 rows neither failed on");
            c.GetProperty("q").GetProperty("correlated_per_repeat").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(20, 20);
            c.GetProperty("p+q").GetProperty("correlated_per_repeat").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(17, 17); // a hybrid leaves out the rows any of its proxies failed on
        }
        var ranked = Run("correlate", "--proxies", first, "--proxies", second, "--truth", truth);
        using (var d = JsonDocument.Parse(ranked.Out))
            d.RootElement.GetProperty("correlations").GetProperty("p").GetProperty("kendall_between_repeats").GetDouble().Should().BeLessThan(0.9, "ranked last, the rows only one repeat failed on disagree");
        Run("correlate", "--proxies", first, "--truth", truth, "--failed", "drop").Code.Should().NotBe(0);

        File.WriteAllLines(shifted, ["index,p,q", .. Enumerable.Range(1, 20).Select(Row)]);
        var other = Run("correlate", "--proxies", first, "--proxies", shifted, "--truth", truth);
        other.Code.Should().Be(1);
        other.Err.Should().Contain(shifted).And.Contain("index 20").And.Contain("same architectures");
    }

    [Fact]
    public void Correlate_leaving_failed_rows_out_scores_a_hybrid_as_if_they_were_not_in_the_table()
    {
        string truth = PathOf("truth.csv"), full = PathOf("full.csv"), reduced = PathOf("reduced.csv");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 10).Select(i => $"{i},x,1,{60 + i},{50 + i}")]);
        // p failed on rows 0 and 5, q on row 9: ranked over all rows, q's ranks of the other rows count rows 0 and 5 among
        // them, which shifts the hybrid's order of the seven rows both kept (Kendall 0.878 instead of 0.714 by hand).
        int[] p = [17, 3, 5, 7, 8, 4, 0, 15, 20, 18], q = [12, 1, 8, 7, 8, 19, 16, 16, 13, 1];
        string Row(int i) => $"{i},{(i is 0 or 5 ? "-inf" : p[i].ToString(CultureInfo.InvariantCulture))},{(i == 9 ? "-inf" : q[i].ToString(CultureInfo.InvariantCulture))}";
        File.WriteAllLines(full, ["index,p,q", .. Enumerable.Range(0, 10).Select(Row)]);
        File.WriteAllLines(reduced, ["index,p,q", .. Enumerable.Range(0, 10).Where(i => i is not (0 or 5 or 9)).Select(Row)]);
        var omitted = Run("correlate", "--proxies", full, "--truth", truth, "--hybrid", "p+q", "--failed", "omit");
        var without = Run("correlate", "--proxies", reduced, "--truth", truth, "--hybrid", "p+q");
        omitted.Code.Should().Be(0, omitted.Err);
        without.Code.Should().Be(0, without.Err);
        using var a = JsonDocument.Parse(omitted.Out);
        using var b = JsonDocument.Parse(without.Out);
        var left = a.RootElement.GetProperty("correlations").GetProperty("p+q");
        var right = b.RootElement.GetProperty("correlations").GetProperty("p+q");
        left.GetProperty("correlated").GetInt32().Should().Be(7);
        left.GetProperty("kendall").GetDouble().Should().Be(right.GetProperty("kendall").GetDouble());
        left.GetProperty("spearman").GetDouble().Should().Be(right.GetProperty("spearman").GetDouble());
        left.GetProperty("kendall").GetDouble().Should().BeApproximately(0.7143, 1e-4);
    }

    [Fact]
    public void Select_score_by_elite_adds_top_terms_and_refuses_elite_options_with_the_kendall_objective()
    {
        string truth = PathOf("truth.csv"), proxies = PathOf("proxies.csv"), report = PathOf("select.json");
        // 'body' follows accuracy except that its 10 best rows are mediocre; 'peak' is noise except for the 10 most accurate rows.
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 200).Select(i => $"{i},x,1,{i},0")]);
        File.WriteAllLines(proxies, ["index,body,peak,seconds", .. Enumerable.Range(0, 200).Select(i =>
            $"{i},{(i is >= 100 and < 110 ? 1000 + i : i >= 190 ? i - 100 : i)},{(i >= 190 ? 1000 + i : (i * 7919) % 101)},0.5")]);
        var (code, output, error) = Run("select-score", "--proxies", proxies, "--truth", truth, "--objective", "elite", "--elite-fraction", "0.1",
            "--min-kendall", "0.5", "--top-terms", "peak", "--top-weights", "1,4", "--folds", "4", "--out", report);
        code.Should().Be(0, error);
        output.Should().Contain("objective elite with Kendall tau >= 0.5").And.Contain("200 architectures, elite 20 rows (fraction 0.1)");
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        var chosen = doc.RootElement.GetProperty("chosen");
        chosen.GetProperty("Score").GetString().Should().Contain("top(peak)").And.Contain("body");
        chosen.GetProperty("Kendall").GetDouble().Should().BeGreaterThanOrEqualTo(0.5);
        chosen.GetProperty("EliteAccuracy").GetDouble().Should().BeGreaterThanOrEqualTo(190);
        doc.RootElement.GetProperty("folds").GetArrayLength().Should().Be(4);
        var (refused, _, err) = Run("select-score", "--proxies", proxies, "--truth", truth, "--min-kendall", "0.5");
        refused.Should().Be(1);
        err.Should().Contain("--objective elite");
        (refused, _, err) = Run("select-score", "--proxies", proxies, "--truth", truth, "--objective", "elite", "--top-terms", "nope");
        refused.Should().Be(1);
        err.Should().Contain("'nope'");

        // Two tables: one score for both; the default elite is 1,000 rows or all of a smaller table.
        string proxies2 = PathOf("proxies2.csv");
        File.WriteAllLines(proxies2, ["index,body,peak,seconds", .. Enumerable.Range(0, 200).Select(i => $"{i},{i},{(i * 31) % 97},0.5")]);
        (code, output, error) = Run("select-score", "--proxies", proxies, "--truth", truth, "--proxies", proxies2, "--truth", truth,
            "--objective", "elite", "--folds", "4", "--out", report);
        code.Should().Be(0, error);
        output.Should().Contain("objective elite (smallest worst regret, then summed regret)").And.Contain("elite 200 rows (fraction 1)").And.Contain($"cross-validated on {proxies2}");
        using var joint = JsonDocument.Parse(File.ReadAllText(report));
        joint.RootElement.GetProperty("chosen").GetProperty("Tables").GetArrayLength().Should().Be(2);
        (refused, _, err) = Run("select-score", "--proxies", proxies, "--truth", truth, "--proxies", proxies2);
        refused.Should().Be(1);
        err.Should().Contain("2 --proxies but 1 --truth");
    }

    [Fact]
    public void Select_score_reports_the_chosen_score_on_a_validation_table_it_was_not_chosen_on()
    {
        string truth = PathOf("truth.csv"), chooseOn = PathOf("choose.csv"), validateOn = PathOf("validate.csv"), lacking = PathOf("lacking.csv"), report = PathOf("validated.json");
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 100).Select(i => $"{i},x,1,{i},0")]);
        // Chosen on a table where 'good' orders every row and 'noise' does not; on the validation table 'good' is reversed.
        File.WriteAllLines(chooseOn, ["index,good,noise,seconds", .. Enumerable.Range(0, 100).Select(i => $"{i},{i},{(i * 37) % 101},0.5")]);
        File.WriteAllLines(validateOn, ["index,good,noise,seconds", .. Enumerable.Range(0, 100).Select(i => $"{i},{-i},{(i * 37) % 101},0.5")]);
        var (code, output, error) = Run("select-score", "--proxies", chooseOn, "--truth", truth, "--candidates", "good,noise", "--max-terms", "1",
            "--validate-proxies", validateOn, "--validate-truth", truth, "--folds", "4", "--out", report);
        code.Should().Be(0, error);
        output.Should().Contain($"validation on {validateOn} (not chosen on): 100 architectures").And.Contain("chosen: good tau -1.0000, elite 0.00, top-ranked row 0.00");
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        doc.RootElement.GetProperty("chosen").GetProperty("Kendall").GetDouble().Should().Be(1);
        var validation = doc.RootElement.GetProperty("validation");
        validation.GetArrayLength().Should().Be(1);
        var results = validation[0].GetProperty("results");
        results.GetArrayLength().Should().Be(2);
        results[0].GetProperty("Score").GetString().Should().Be("good");
        results[0].GetProperty("Kendall").GetDouble().Should().Be(-1);
        results[0].GetProperty("TopAccuracy").GetDouble().Should().Be(0);

        var (refused, _, err) = Run("select-score", "--proxies", chooseOn, "--truth", truth, "--validate-proxies", validateOn);
        refused.Should().Be(1);
        err.Should().Contain("1 --validate-proxies but 0 --validate-truth");
        File.WriteAllLines(lacking, ["index,good,seconds", .. Enumerable.Range(0, 100).Select(i => $"{i},{i},0.5")]);
        (refused, _, err) = Run("select-score", "--proxies", chooseOn, "--truth", truth, "--validate-proxies", lacking, "--validate-truth", truth);
        refused.Should().Be(1);
        err.Should().Contain(lacking).And.Contain("'noise'");
    }

    [Fact]
    public void Bench_repeats_a_tabular_search_and_summarises_it()
    {
        string proxies = PathOf("sss.csv"), truth = PathOf("truth.csv");
        // Proxy = index: the best architecture is 64:64:64:64:64 (index 32767).
        File.WriteAllLines(proxies, ["index,size,seconds", .. Enumerable.Range(0, 32768).Select(i => $"{i},{i},0.25")]);
        var sizes = new[] { 8, 16, 24, 32, 40, 48, 56, 64 };
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 32768).Select(i =>
            $"{i},{string.Join(':', Enumerable.Range(0, 5).Select(k => sizes[i >> (3 * (4 - k)) & 7]))},1,{(80 + i / 32767.0 * 10).ToString(CultureInfo.InvariantCulture)},0")]);
        string output = PathOf("bench.json");
        var (code, stdout, error) = Run("bench", "--space", "sss", "--strategy", "ga", "--score", "size", "--proxies", proxies, "--truth", truth,
            "--runs", "3", "--evaluations", "400", "--out", output);
        code.Should().Be(0, error);
        stdout.Should().Contain("| GA-size | SSS | test 90.00 ± 0.00");
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        runs.Should().HaveCount(3);
        runs.Select(r => r.GetProperty("seed").GetInt32()).Should().Equal(0, 1, 2);
        runs.Should().OnlyContain(r => r.GetProperty("index").GetInt32() == 32767 && r.GetProperty("evaluations").GetInt32() == 400);
        // Search cost = 400 tabulated proxy evaluations of 0.25 s plus the search's own overhead.
        runs[0].GetProperty("search_cost_seconds").GetDouble().Should().BeInRange(100, 101);
        doc.RootElement.GetProperty("summary").GetProperty("curve").GetProperty("evaluations").EnumerateArray().Last().GetInt32().Should().Be(400);
    }

    [Fact]
    public void Summarize_collects_bench_files_into_a_table_and_plots_the_rk_curves()
    {
        string proxies = PathOf("sss.csv"), truth = PathOf("truth.csv"), results = PathOf("results");
        File.WriteAllLines(proxies, ["index,ni,naswot,logsynflow,seconds", .. Enumerable.Range(0, 32768).Select(i => $"{i},{i % 97},{i},{-i},0.25")]);
        var sizes = new[] { 8, 16, 24, 32, 40, 48, 56, 64 };
        File.WriteAllLines(truth, ["index,arch,params,test_acc,valid_acc", .. Enumerable.Range(0, 32768).Select(i =>
            $"{i},{string.Join(':', Enumerable.Range(0, 5).Select(k => sizes[i >> (3 * (4 - k)) & 7]))},1,{(80 + i / 32767.0 * 10).ToString(CultureInfo.InvariantCulture)},0")]);
        foreach (var (strategy, score) in new[] { ("ga", "rk"), ("rs", "naswot") })
        {
            var (c, _, e) = Run("bench", "--space", "sss", "--strategy", strategy, "--score", score, "--proxies", proxies, "--truth", truth,
                "--runs", "2", "--evaluations", "200", "--out", Path.Combine(results, $"sss-cifar10-{strategy}-{score}.json"));
            c.Should().Be(0, e);
        }
        string png = PathOf("curve.png");
        var (code, stdout, error) = Run("summarize", "--results", results, "--prefix", "sss-cifar10", "--plot", png);
        code.Should().Be(0, error);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("| method |");
        lines[2].Should().StartWith("| RS-naswot | 2 | 200 |", "rows follow the paper's order: RS by single proxies first");
        lines[3].Should().StartWith("| GA-rk | 2 | 200 |");
        new FileInfo(png).Length.Should().BeGreaterThan(1000);
        var (missing, _, err) = Run("summarize", "--results", results, "--prefix", "tss-cifar100");
        missing.Should().Be(1);
        err.Should().Contain("No 'tss-cifar100-*.json' bench files");
    }

    [Fact]
    public void Bench_without_arch_mapping_for_tss_says_what_to_give()
    {
        string proxies = PathOf("tss.csv");
        File.WriteAllLines(proxies, ["index,naswot", "0,1", "1,2"]);
        var (code, _, error) = Run("bench", "--space", "tss", "--strategy", "rs", "--score", "naswot", "--proxies", proxies, "--runs", "1", "--evaluations", "2", "--out", PathOf("b.json"));
        code.Should().Be(1);
        error.Should().Contain("--truth or --index-table");
    }

    [BenchmarkFact]
    public void Live_search_scores_real_images_and_reports_the_best()
    {
        string output = PathOf("search.json");
        var (code, stdout, error) = Run("search", "--space", "sss", "--strategy", "rs", "--score", "naswot+logsynflow", "--images", BenchmarkData.File("images", "cifar10-960.bin"),
            "--evaluations", "4", "--batch", "8", "--table", BenchmarkData.File("nats-sss", "cifar10.csv"), "--out", output, "--checkpoint", PathOf("ck.json"));
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        doc.RootElement.GetProperty("evaluations").GetInt32().Should().Be(4);
        doc.RootElement.GetProperty("history").GetArrayLength().Should().Be(4);
        var best = doc.RootElement.GetProperty("best");
        best.GetProperty("proxies").GetProperty("naswot").GetDouble().Should().BePositive();
        best.GetProperty("test_acc").GetDouble().Should().BeInRange(50, 100);
        stdout.Should().Contain(best.GetProperty("arch").GetString());
        File.Exists(PathOf("ck.json")).Should().BeTrue();
    }

    [BenchmarkFact]
    public void Search_scores_networks_of_the_skeleton_it_is_given()
    {
        string checkpoint = PathOf("skeleton.json");
        var (code, _, error) = Run("search", "--space", "tss", "--strategy", "ga", "--score", "naswot", "--images", BenchmarkData.File("images", "cifar10-960"),
            "--evaluations", "6", "--batch", "8", "--channels", "4", "--cells", "1", "--checkpoint", checkpoint, "--out", PathOf("s.json"));
        code.Should().Be(0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(checkpoint));
        var evaluation = doc.RootElement.GetProperty("Evaluation");
        evaluation.GetProperty("channels").GetString().Should().Be("4");
        evaluation.GetProperty("cells").GetString().Should().Be("1");
        // With 6 evaluations the GA's population and tournament scale to the budget (2 and 1, not 50 and 5), as in the ML.NET trainer.
        doc.RootElement.GetProperty("Fingerprint").GetString().Should().Contain("population=2,tournament=1");
    }

    [BenchmarkFact]
    public void Bench_train_measures_both_paths_side_by_side()
    {
        string images = GaNas.Benchmarks.BenchmarkData.File("images", "cifar10-960");
        var (code, output, error) = Run("bench-train", "--images", images, "--space", "tss", "--arch",
            "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
            "--count", "64", "--channels", "4", "--batch-size", "16", "--runs", "2", "--layout", "nhwc", "--baseline", "--threads", "1");
        code.Should().Be(0, error);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        runs.Should().HaveCount(2);
        foreach (var run in runs)
        {
            run.GetProperty("images_per_second").GetDouble().Should().BeGreaterThan(0);
            run.GetProperty("baseline_images_per_second").GetDouble().Should().BeGreaterThan(0);
        }
        doc.RootElement.GetProperty("images").GetInt32().Should().Be(64);
        doc.RootElement.GetProperty("max_weight_difference").GetDouble().Should().BeLessThan(1e-2, "the two paths differ by rounding only");
        if (IsGlibc())
            doc.RootElement.GetProperty("native_heap").GetString().Should().Be("retain", "glibc's mallopt accepted the thresholds (TorchRuntime.RetainFreedMemory)");
    }

    private static bool IsGlibc()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return gnu_get_libc_version() != IntPtr.Zero; }
        catch (EntryPointNotFoundException) { return false; }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern IntPtr gnu_get_libc_version();
}
