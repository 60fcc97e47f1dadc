using System.CommandLine;
using System.Globalization;
using GaNas.Benchmarks;
using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.Runners;
using GaNas.Search.AutoML;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas bench</c>: repeats a search on tabulated proxies with seeds seed..seed+runs-1 and
/// reports each run's architecture, search cost and (with --truth) accuracy, as JSON plus a
/// paper-style table row.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CommandIO io)
    {
        var space = CommonOptions.Space();
        var strategy = CommonOptions.Strategy();
        var score = CommonOptions.Score();
        var proxies = new Option<string>("--proxies") { Description = "Proxy table CSV (ganas proxies output or a published file); several, comma-separated, are joined on index.", Required = true };
        var truth = new Option<string?>("--truth") { Description = "Benchmark table with test_acc/valid_acc (optional: without it runs report architectures only)." };
        var indexTable = new Option<string?>("--index-table") { Description = "Any NATS-Bench table with index,arch, used to map TSS architectures to indices when neither the proxy table nor --truth has them." };
        var runs = new Option<int>("--runs") { Description = "Number of runs.", DefaultValueFactory = _ => 30 }.InRange(1, 10_000);
        var evaluations = new Option<int>("--evaluations") { Description = "Unique architectures scored per run.", DefaultValueFactory = _ => 1000 }.InRange(1, 32_768);
        var seed = new Option<int>("--seed") { Description = "Seed of the first run.", DefaultValueFactory = _ => 0 };
        var curveEvery = new Option<int>("--curve-every") { Description = "Record best-so-far accuracy every N evaluations (needs --truth).", DefaultValueFactory = _ => 50 }.InRange(1, 32_768);
        var output = new Option<string>("--out") { Description = "Output JSON file.", Required = true };
        var rescoring = CommonOptions.RescoringOptions.Create();
        var images = new Option<string?>("--images") { Description = "With --rescore-finalists: the images the proxy table was computed on, to score the finalists live under other weight seeds." };
        var classes = CommonOptions.Classes();
        var batch = CommonOptions.Batch();
        var tableSeed = new Option<int>("--table-seed") { Description = "With --rescore-finalists: the seed the proxy table was computed with (its image batch and weights; ganas proxies --seed). The repeats use weight seeds table-seed+1, ...", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.Threads();
        var workers = CommonOptions.Workers();
        var command = new Command("bench", "Repeat a search on tabulated proxies and report mean and std of accuracy and search cost.")
        {
            space, strategy, score, proxies, truth, indexTable, runs, evaluations, seed, curveEvery, output, rescoring.Finalists, rescoring.Repeats, images, classes, batch, tableSeed, threads, workers,
        };
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            OptionRules.EnsureWritable(parse.GetValue(output)!, "--out");
            ISearchSpace s = SearchSpaceCatalog.ByName(parse.GetValue(space)!);
            HybridScore hybrid = HybridScore.Parse(parse.GetValue(score)!, s);
            ProxyTable table = ProxyTable.ReadMany(parse.GetValue(proxies)!);
            string? truthPath = parse.GetValue(truth);
            BenchmarkTable? truthTable = truthPath is null ? null : BenchmarkTable.Read(s, truthPath);
            truthTable?.CheckAgreesWith(table);
            Func<Genome, int> indexOf = IndexMapping(s, table, truthTable, parse.GetValue(indexTable));
            int nRuns = parse.GetValue(runs), budget = parse.GetValue(evaluations), seed0 = parse.GetValue(seed), every = parse.GetValue(curveEvery);
            if (nRuns < 1) throw new ArgumentException("--runs must be at least 1.");
            string strategyName = parse.GetValue(strategy)!;
            FinalistRescoringSettings rescore = rescoring.Settings(parse, s, parse.GetValue(score)!);
            int finalistCount = rescore.Finalists, repeatCount = rescore.Repeats;
            if (rescore.IsOn && parse.GetValue(images) is null) throw new ArgumentException($"Re-scoring the finalists ({finalistCount} under {repeatCount} other weight seeds{(parse.GetValue(rescoring.Finalists) is null ? ", the default score's on " + s.Name : "")}) needs --images: they are scored again live, on the images the proxy table was computed on (with --classes and --table-seed as the table's). --rescore-finalists 1 turns it off.");
            using LiveProxies? live = rescore.IsOn
                ? LiveProxies.Create(s, hybrid.Proxies.Select(GaNas.Proxies.ProxyRegistry.Create).ToList(), parse.GetValue(images)!, parse.GetValue(batch), parse.GetValue(tableSeed), null,
                    parse.GetValue(classes), parse.GetValue(threads))
                : null;
            FinalistRescoring? finalists = live is null ? null : new FinalistRescoring(finalistCount, live.Repeats(repeatCount, checked(parse.GetValue(tableSeed) + 1)), parse.GetValue(workers));

            var runResults = new List<Dictionary<string, object?>>();
            var curves = new List<double[]>();
            int[] curvePoints = truthTable is null ? [] : Enumerable.Range(1, budget / Math.Max(1, every)).Select(k => k * every).Append(budget).Distinct().ToArray();
            var wall = System.Diagnostics.Stopwatch.StartNew();
            for (int r = 0; r < nRuns; r++)
            {
                cancel.ThrowIfCancellationRequested();
                int runSeed = seed0 + r;
                SearchStrategy tuner = StrategyRegistry.Create(strategyName, s, hybrid, runSeed, budget);
                using var runner = new TableTrialRunner(table, indexOf, hybrid.Proxies, s);
                var experiment = new NasExperiment().SetTuner(tuner).SetTrialRunner(runner).SetMaxModelToExplore(budget);
                if (finalists is not null) experiment.SetFinalistRescoring(finalists);
                var result = experiment.RunAsync(cancel).GetAwaiter().GetResult();
                var best = result.Best ?? throw new InvalidOperationException("The search finished no trial.");
                int index = indexOf(best.Genome);
                double proxySeconds = result.Trials.Sum(t => t.DurationInMilliseconds) / 1000 + (result.Finalists?.ScoringSeconds ?? 0);
                var row = new Dictionary<string, object?>
                {
                    ["seed"] = runSeed,
                    ["index"] = index,
                    ["arch"] = best.TrialSettings.Parameter.Architecture,
                    ["evaluations"] = result.Evaluations,
                    ["failed_trials"] = result.FailedTrials,
                    ["search_cost_seconds"] = Math.Round(proxySeconds + result.Seconds, 3),
                    ["search_overhead_seconds"] = Math.Round(result.Seconds - (result.Finalists?.Seconds ?? 0), 4),
                };
                if (result.Finalists is { } selection)
                {
                    TrialResult searchBest = selection.Finalists[0].Trial;
                    row["search_best_index"] = indexOf(searchBest.Genome);
                    row["finalist_rank"] = selection.Finalists.First(f => ReferenceEquals(f.Trial, selection.Best)).SearchRank;
                    if (truthTable is not null) row["search_best_test_acc"] = truthTable[indexOf(searchBest.Genome)].TestAccuracy;
                }
                if (truthTable is not null)
                {
                    row["test_acc"] = truthTable[index].TestAccuracy;
                    row["valid_acc"] = truthTable[index].ValidAccuracy;
                    curves.Add(curvePoints.Select(e => BestSoFar(tuner.History, e, g => truthTable.Find(g).TestAccuracy)).ToArray());
                }
                runResults.Add(row);
            }

            var summary = new Dictionary<string, object?>
            {
                ["search_cost_seconds"] = MeanStd(runResults.Select(r => (double)r["search_cost_seconds"]!)),
                ["wall_seconds_all_runs"] = Math.Round(wall.Elapsed.TotalSeconds, 3),
            };
            if (truthTable is not null)
            {
                summary["test_acc"] = MeanStd(runResults.Select(r => (double)r["test_acc"]!));
                summary["valid_acc"] = MeanStd(runResults.Select(r => (double)r["valid_acc"]!));
                summary["curve"] = new
                {
                    evaluations = curvePoints,
                    mean_best_test_acc = Enumerable.Range(0, curvePoints.Length).Select(k => Math.Round(curves.Average(c => c[k]), 4)).ToArray(),
                };
            }
            var doc = new Dictionary<string, object?>
            {
                ["space"] = s.Name,
                ["strategy"] = strategyName,
                ["score"] = hybrid.Name,
                ["settings"] = StrategyRegistry.Create(strategyName, s, hybrid, seed0, budget).Settings,
                ["proxies"] = table.Source,
                ["truth"] = truthPath,
                ["runs_count"] = nRuns,
                ["evaluations"] = budget,
                ["summary"] = summary,
                ["runs"] = runResults,
            };
            if (finalists is not null)
                doc["finalists"] = new { count = finalistCount, repeats = repeatCount, weight_seeds = Enumerable.Range(parse.GetValue(tableSeed) + 1, repeatCount).ToArray(), images = parse.GetValue(images) };
            string outPath = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            File.WriteAllText(outPath, Json.Serialize(doc, indented: true));
            io.Out.WriteLine(TableRow(strategyName, hybrid.Name, s.Name, summary));
            return 0;
        })));
        return command;
    }

    /// <summary>Index of a genome: SSS by code; TSS through an arch column, the truth table or --index-table.</summary>
    internal static Func<Genome, int> IndexMapping(ISearchSpace space, ProxyTable table, BenchmarkTable? truth, string? indexTablePath)
    {
        if (space is SizeSearchSpace) return g => (int)space.Encode(g);
        if (table.Architectures.All(a => a is not null))
        {
            var map = new Dictionary<Genome, int>();
            for (int r = 0; r < table.Count; r++) map[space.Parse(table.Architectures[r]!)] = table.Indices[r];
            BenchmarkTable? fallback = truth ?? (indexTablePath is null ? null : BenchmarkTable.Read(space, indexTablePath));
            return g => map.TryGetValue(g, out int i) ? i : fallback?.Find(g).Index ?? throw new KeyNotFoundException($"{table.Source} has no row for {space.Format(g)}.");
        }
        BenchmarkTable mapping = truth ?? (indexTablePath is null
            ? throw new ArgumentException($"{table.Source} has no arch column: give --truth or --index-table so TSS architectures can be mapped to benchmark indices.")
            : BenchmarkTable.Read(space, indexTablePath));
        return g => mapping.Find(g).Index;
    }

    /// <summary>Test accuracy of the best architecture by the score among the first <paramref name="evaluations"/> trials.</summary>
    internal static double BestSoFar(SearchHistory history, int evaluations, Func<GaNas.SearchSpaces.Genome, double> accuracy)
    {
        var pool = history.Trials.Take(evaluations).Select(t => t.Genome).ToArray();
        double[] scores = history.ScorePool(pool);
        int best = 0;
        for (int i = 1; i < scores.Length; i++) if (scores[i] > scores[best]) best = i;
        return accuracy(pool[best]);
    }

    /// <summary>Mean and population standard deviation (numpy's default), as papers report them.</summary>
    internal static MeanStdValue MeanStd(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        double mean = v.Average();
        double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        return new MeanStdValue(Math.Round(mean, 4), Math.Round(std, 4));
    }

    internal sealed record MeanStdValue([property: System.Text.Json.Serialization.JsonPropertyName("mean")] double Mean, [property: System.Text.Json.Serialization.JsonPropertyName("std")] double Std);

    private static string TableRow(string strategy, string score, string space, Dictionary<string, object?> summary)
    {
        static string Pm(object? o) => o is MeanStdValue m ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean:F2} ± {m.Std:F2}") : "n/a";
        return $"| {strategy.ToUpperInvariant()}-{score} | {space.ToUpperInvariant()} | test {Pm(summary.GetValueOrDefault("test_acc"))} | valid {Pm(summary.GetValueOrDefault("valid_acc"))} | search cost {Pm(summary["search_cost_seconds"])} s |";
    }
}
