using System.CommandLine;
using GaNas.Benchmarks;
using GaNas.Scoring;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas correlate</c>: Kendall tau-b and Spearman rho of each proxy column, and of hybrid
/// scores over the whole table as one pool, against benchmark accuracy, and what a search with each would
/// return (top_ranked_acc: the row ranked first; elite_acc: the first within the score's own elite). JSON on stdout.
/// </summary>
internal static class CorrelateCommand
{
    public static Command Create(CommandIO io)
    {
        var proxies = new Option<string[]>("--proxies")
        {
            Description = "Proxy table CSV (from 'ganas proxies' or a published file); several, comma-separated, are joined on index. "
                + "Repeated (--proxies a.csv --proxies b.csv), the tables are repeats of one measurement (other weight initialisations, say): "
                + "each is correlated on its own and the report gives the mean and every repeat's value.",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var truth = new Option<string>("--truth") { Description = "Benchmark table with accuracies (index,...,test_acc,valid_acc).", Required = true };
        var metric = new Option<string>("--metric") { Description = "Column of the truth table to correlate with: test_acc, valid_acc, or any numeric column (e.g. a published proxy).", DefaultValueFactory = _ => "test_acc" };
        var hybrid = new Option<string[]>("--hybrid") { Description = "Hybrid score(s) to add, e.g. rk, naswot+logsynflow, log:naswot+ni (repeatable).", AllowMultipleArgumentsPerToken = false };
        var eliteFraction = new Option<double?>("--elite-fraction") { Description = "Share of the rows in a score's elite for elite_acc (default 1,000 / rows, a 1,000-evaluation search's history: 0.064 on all of TSS, 0.0305 on all of SSS)." }.InRange(0, 1, exclusiveMin: true);
        var topFraction = new Option<double?>("--top-fraction") { Description = "With repeated tables: the share of the rows whose overlap between repeats is reported (top_overlap; default 0.1)." }.InRange(0, 1, exclusiveMin: true);
        var average = new Option<bool>("--average") { Description = "With repeated tables: also correlate the row-by-row mean of the repeats' proxy values (averaged), as a score averaged over initialisations or batches would rank." };
        var failed = new Option<string>("--failed")
        {
            Description = "Architectures a proxy failed on (degenerate cells, say): 'last' ranks them below every other (a search would), "
                + "'omit' leaves them out of that proxy's correlations (as tables that drop missing values do).",
            DefaultValueFactory = _ => "last",
        }.AcceptOnlyFromAmong("last", "omit");
        var plot = new Option<string?>("--plot") { Description = "Folder for one PNG scatter plot (score vs accuracy) per proxy and hybrid (of the first table)." };
        var command = new Command("correlate", "Rank correlation (Kendall tau-b, Spearman) of proxies and hybrid scores with benchmark accuracy.")
        {
            proxies, truth, metric, hybrid, eliteFraction, topFraction, average, failed, plot,
        };
        command.SetAction(parse => io.Guard(() =>
        {
            string[] tables = parse.GetValue(proxies)!;
            string metricName = parse.GetValue(metric)!;
            bool omit = parse.GetValue(failed) == "omit";
            var read = tables.Select(ProxyTable.ReadMany).ToList();
            var runs = read.Select((table, i) => Measure(table, parse.GetValue(truth)!, metricName, parse.GetValue(hybrid) ?? [], parse.GetValue(eliteFraction), omit, i == 0 ? parse.GetValue(plot) : null)).ToList();
            if (runs.Count == 1)
            {
                if (parse.GetValue(average)) throw new ArgumentException("--average needs repeated tables (--proxies a.csv --proxies b.csv ...).");
                io.Out.WriteLine(Json.Serialize(runs[0].Report, indented: true));
                return 0;
            }
            var first = runs[0];
            foreach (var (run, path) in runs.Zip(tables).Skip(1))
            {
                if (!run.Names.SequenceEqual(first.Names))
                    throw new ArgumentException($"--proxies '{path}' has the scores {string.Join(", ", run.Names)}, the first table {string.Join(", ", first.Names)}: repeats must measure the same proxies.");
                if (run.Rows != first.Rows)
                    throw new ArgumentException($"--proxies '{path}' joins {run.Rows} rows with the truth, the first table {first.Rows}: repeats must cover the same architectures.");
                if (run.Indices.Except(first.Indices).Select(i => (int?)i).FirstOrDefault() is { } extra)
                    throw new ArgumentException($"--proxies '{path}' holds architecture index {extra}, which the first table ({first.Source}) lacks: repeats must cover the same architectures.");
            }
            int top = Math.Max(1, (int)Math.Ceiling((parse.GetValue(topFraction) ?? 0.1) * first.Rows));
            var correlations = new Dictionary<string, object>();
            foreach (string name in first.Names)
            {
                double[] kendall = runs.Select(r => r.Kendall[name]).ToArray();
                double[] spearman = runs.Select(r => r.Spearman[name]).ToArray();
                var (agreement, overlap) = BetweenRepeats(runs, name, top, omit);
                correlations[name] = new
                {
                    kendall = Rounded(kendall.Average()),
                    spearman = Rounded(spearman.Average()),
                    kendall_per_repeat = kendall.Select(Rounded).ToArray(),
                    spearman_per_repeat = spearman.Select(Rounded).ToArray(),
                    failures = runs.Select(r => r.Failures[name]).ToArray(),
                    correlated_per_repeat = runs.Select(r => r.Correlated[name]).ToArray(),
                    kendall_between_repeats = Rounded(agreement),
                    top_overlap = Rounded(overlap),
                    top_ranked_acc_per_repeat = runs.Select(r => Rounded(r.TopRanked[name])).ToArray(),
                    elite_acc_per_repeat = runs.Select(r => Rounded(r.Elite[name])).ToArray(),
                };
            }
            var report = new Dictionary<string, object?>
            {
                ["n"] = first.Rows,
                ["metric"] = metricName,
                ["failed"] = omit ? "omit" : "last",
                ["repeats"] = runs.Count,
                ["top_k"] = top,
                ["proxies_files"] = runs.Select(r => r.Source).ToArray(),
                ["correlations"] = correlations,
            };
            if (parse.GetValue(average))
                report["averaged"] = Measure(ProxyTable.Average(read), parse.GetValue(truth)!, metricName, parse.GetValue(hybrid) ?? [], parse.GetValue(eliteFraction), omit, null).Report;
            io.Out.WriteLine(Json.Serialize(report, indented: true));
            return 0;
        }));
        return command;
    }

    /// <summary>One table's correlations: the report of a single table, and the values a mean over repeats needs.</summary>
    private sealed record Measurement(Dictionary<string, object?> Report, string Source, int Rows, List<string> Names,
        Dictionary<string, double> Kendall, Dictionary<string, double> Spearman, Dictionary<string, int> Failures, Dictionary<string, int> Correlated,
        Dictionary<string, double> TopRanked, Dictionary<string, double> Elite, int[] Indices, Dictionary<string, double[]> Values);

    /// <summary>
    /// How much repeats agree with one another on a score, over the architectures all of them hold: the mean over pairs of
    /// repeats of the Kendall tau between their values (with <paramref name="omit"/>, over the architectures neither failed
    /// on), and of the share of the <paramref name="top"/> best of one that are among the <paramref name="top"/> best of the other.
    /// </summary>
    private static (double Kendall, double Overlap) BetweenRepeats(IReadOnlyList<Measurement> runs, string name, int top, bool omit)
    {
        int[] common = runs.Select(r => (IEnumerable<int>)r.Indices).Aggregate((a, b) => a.Intersect(b)).Order().ToArray();
        double[][] aligned = runs.Select(r =>
        {
            var at = r.Indices.Select((index, i) => (index, i)).ToDictionary(p => p.index, p => p.i);
            return common.Select(index => r.Values[name][at[index]]).ToArray();
        }).ToArray();
        int k = Math.Min(top, common.Length);
        HashSet<int> Best(double[] v) => Enumerable.Range(0, v.Length).OrderByDescending(i => double.IsFinite(v[i]) ? v[i] : double.NegativeInfinity).ThenBy(i => i).Take(k).ToHashSet();
        double kendall = 0, overlap = 0;
        int pairs = 0;
        for (int a = 0; a < aligned.Length; a++)
        {
            for (int b = a + 1; b < aligned.Length; b++)
            {
                var (x, y) = omit ? FiniteInBoth(aligned[a], aligned[b]) : (aligned[a], aligned[b]);
                kendall += Correlation.KendallTauB(x, y);
                overlap += (double)Best(aligned[a]).Intersect(Best(aligned[b])).Count() / k;
                pairs++;
            }
        }
        return (kendall / pairs, overlap / pairs);
    }

    /// <summary>The pairs of <paramref name="x"/> and <paramref name="y"/> where both are finite.</summary>
    private static (double[] X, double[] Y) FiniteInBoth(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int[] kept = Enumerable.Range(0, x.Count).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i])).ToArray();
        return (kept.Select(i => x[i]).ToArray(), kept.Select(i => y[i]).ToArray());
    }

    private static Measurement Measure(ProxyTable table, string truthPath, string metricName, string[] hybrids, double? eliteFraction, bool omit, string? plotDirectory)
    {
        var (rows, accuracy) = TruthJoin.Load(table, truthPath, metricName);
        double fraction = eliteFraction ?? Math.Min(1.0, 1000.0 / rows.Length);
        // Values: what is correlated (non-finite where a proxy failed; with --failed omit those rows are left out);
        // Search: the score over every row, as a search ranks.
        var series = new List<(string Name, double[] Values, double[] Search, int Failures, HybridScore Score)>();
        foreach (string name in table.ProxyNames)
        {
            var column = table.Column(name);
            double[] values = rows.Select(r => column[r]).ToArray();
            series.Add((name, values, values, values.Count(v => !double.IsFinite(v)), new HybridScore([new ScoreTerm(name, 1)], RankAggregation.Linear)));
        }
        foreach (string spec in hybrids)
        {
            HybridScore score = HybridScore.Parse(spec);
            foreach (string p in score.Proxies)
            {
                if (!table.Has(p)) throw new ArgumentException($"Hybrid '{spec}' needs proxy '{p}', which {table.Source} lacks (columns: {string.Join(", ", table.ProxyNames)}).");
            }
            double[] search = score.Score(rows.Length, (i, p) => table.Column(p)[rows[i]]);
            double[] values = search;
            if (omit)
            {
                // Ranked among the rows none of its proxies failed on, so that the rows left out do not shift the others' values.
                int[] kept = Enumerable.Range(0, rows.Length).Where(i => score.Proxies.All(p => double.IsFinite(table.Column(p)[rows[i]]))).ToArray();
                double[] keptValues = score.Score(kept.Length, (i, p) => table.Column(p)[rows[kept[i]]]);
                values = Enumerable.Repeat(double.NaN, rows.Length).ToArray();
                for (int k = 0; k < kept.Length; k++) values[kept[k]] = keptValues[k];
            }
            series.Add((score.Name, values, search, 0, score));
        }

        var result = new Dictionary<string, object?>
        {
            ["n"] = rows.Length,
            ["metric"] = metricName,
            ["proxies_file"] = table.Source,
        };
        var correlations = new Dictionary<string, object>();
        var kendallOf = new Dictionary<string, double>();
        var spearmanOf = new Dictionary<string, double>();
        var failuresOf = new Dictionary<string, int>();
        var correlatedOf = new Dictionary<string, int>();
        var topOf = new Dictionary<string, double>();
        var eliteOf = new Dictionary<string, double>();
        foreach (var (name, values, search, failures, score) in series)
        {
            var (x, y) = omit ? FiniteInBoth(values, accuracy) : (values, accuracy);
            kendallOf[name] = Correlation.KendallTauB(x, y);
            spearmanOf[name] = Correlation.Spearman(x, y);
            failuresOf[name] = failures;
            correlatedOf[name] = x.Length;
            var (top, elite) = ScoreSelection.SearchOutcome(score, (i, p) => table.Column(p)[rows[i]], accuracy, fraction, search);
            (topOf[name], eliteOf[name]) = (top, elite);
            correlations[name] = new
            {
                kendall = Rounded(kendallOf[name]),
                spearman = Rounded(spearmanOf[name]),
                failures,
                correlated = x.Length,
                top_ranked_acc = Rounded(top),
                elite_acc = Rounded(elite),
            };
        }
        result["correlations"] = correlations;
        if (table.Seconds is { } seconds)
        {
            double[] s = rows.Select(r => seconds[r]).Order().ToArray();
            result["seconds_per_arch"] = new { median = Math.Round(Quantile(s, 0.5), 4), p90 = Math.Round(Quantile(s, 0.9), 4), mean = Math.Round(s.Average(), 4) };
        }
        if (plotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            foreach (var (name, values, _, _, _) in series)
            {
                string file = Path.Combine(dir, $"{Sanitize(name)}-vs-{metricName}.png");
                Plots.Scatter(values, accuracy, name, metricName, $"{name}: Kendall {kendallOf[name]:F3} (n={correlatedOf[name]})", file);
            }
            result["plots"] = dir;
        }
        return new Measurement(result, table.Source, rows.Length, series.Select(s => s.Name).ToList(), kendallOf, spearmanOf, failuresOf, correlatedOf, topOf, eliteOf,
            rows.Select(r => table.Indices[r]).ToArray(), series.ToDictionary(s => s.Name, s => s.Values));
    }

    /// <summary>Rounded to 4 digits; null when undefined (a constant series).</summary>
    private static double? Rounded(double value) => double.IsFinite(value) ? Math.Round(value, 4) : null;

    internal static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
}
