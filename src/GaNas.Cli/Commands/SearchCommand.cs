using System.CommandLine;
using GaNas.Benchmarks;
using GaNas.Data;
using GaNas.Proxies;
using GaNas.Runtime;
using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.Runners;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;
using static TorchSharp.torch;

namespace GaNas.Cli.Commands;

/// <summary><c>ganas search</c>: a live training-free search that computes proxies on real images.</summary>
internal static class SearchCommand
{
    public static Command Create(CommandIO io)
    {
        var space = CommonOptions.Space();
        var strategy = CommonOptions.Strategy();
        var score = CommonOptions.Score();
        var images = CommonOptions.Images();
        var evaluations = new Option<int>("--evaluations") { Description = "Unique architectures to score.", DefaultValueFactory = _ => 1000 }.InRange(1, 32_768);
        var seconds = new Option<double?>("--time-budget") { Description = "Stop after this many seconds (the best so far is returned)." }.InRange(0, 31_536_000, exclusiveMin: true);
        var seed = new Option<int>("--seed") { Description = "Seed of the search, the image batch, the weights and the noise.", DefaultValueFactory = _ => 0 };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint file: written every few trials, resumed from when it exists." };
        var table = new Option<string?>("--table") { Description = "NATS-Bench table, to report benchmark indices (and accuracies when it has them)." };
        var batch = CommonOptions.Batch();
        var classes = CommonOptions.Classes();
        var threads = CommonOptions.Threads();
        var where = ClusterScoring.ClusterOptions.Create();
        var layout = CommonOptions.Layout();
        var normalize = CommonOptions.Normalize();
        var channels = new Option<int?>("--channels") { Description = "Width C of the first stage of the networks scored (TSS; default: the benchmark's 16): rank at the size you will train." }.InRange(1, 256);
        var cells = new Option<int?>("--cells") { Description = "Cells per stage N of the networks scored (default: the benchmark's, 5 for TSS, 1 for SSS)." }.InRange(0, 16);
        var output = new Option<string>("--out") { Description = "Output JSON file.", Required = true };
        var rescoring = CommonOptions.RescoringOptions.Create();
        var command = new Command("search", "Search a space without training, scoring candidates with zero-cost proxies on real images.")
        {
            space, strategy, score, images, evaluations, seconds, seed, checkpoint, table, batch, classes, threads, layout, normalize, channels, cells, output, rescoring.Finalists, rescoring.Repeats,
        };
        foreach (Option option in where.All) command.Options.Add(option);
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            OptionRules.EnsureWritable(parse.GetValue(output)!, "--out");
            if (parse.GetValue(checkpoint) is { } checkpointPath) OptionRules.EnsureWritable(checkpointPath, "--checkpoint");
            ISearchSpace s = SearchSpaceCatalog.ByName(parse.GetValue(space)!);
            HybridScore hybrid = HybridScore.Parse(parse.GetValue(score)!, s);
            var proxies = hybrid.Proxies.Select(ProxyRegistry.Create).ToList();
            BenchmarkTable? bench = parse.GetValue(table) is { } t ? BenchmarkTable.Read(s, t) : null;
            int seedValue = parse.GetValue(seed);
            using var live = LiveProxies.Create(s, proxies, parse.GetValue(images)!, parse.GetValue(batch), seedValue, parse.GetValue(normalize), parse.GetValue(classes), parse.GetValue(threads), parse.GetValue(layout) == "channels-last",
                channels: parse.GetValue(channels), cells: parse.GetValue(cells));
            using var scoring = ClusterScoring.Open(live.Evaluator, parse, where, io.Error);
            using var runner = new ProxyTrialRunner(scoring.Scorer);
            int budget = parse.GetValue(evaluations);
            SearchStrategy tuner = StrategyRegistry.Create(parse.GetValue(strategy)!, s, hybrid, seedValue, budget);
            var progress = new ProgressReporter(io.Error, $"search {tuner.Name}-{hybrid.Name}", budget);
            var experiment = new NasExperiment().SetTuner(tuner).SetTrialRunner(runner).SetMaxModelToExplore(budget).SetWorkers(scoring.Workers)
                .SetProgress(new SyncProgress<NasProgress>(p => progress.Report(p.Evaluations)));
            if (parse.GetValue(seconds) is { } limit) experiment.SetTrainingTimeInSeconds(limit);
            if (parse.GetValue(checkpoint) is { } file) experiment.SetCheckpoint(file);
            // The finalists' repeats run in this process, also when the search runs on a cluster.
            FinalistRescoringSettings rescore = rescoring.Settings(parse, s, parse.GetValue(score)!);
            int repeatCount = rescore.Repeats;
            if (rescore.IsOn) experiment.SetFinalistRescoring(new FinalistRescoring(rescore.Finalists, live.Repeats(repeatCount, checked(seedValue + 1)), scoring.Cluster is null ? scoring.Workers : 1));
            string running = scoring.Cluster is null ? $"{scoring.Workers} worker(s) x {TorchRuntime.Threads} thread(s)" : $"{scoring.Workers} in flight on cluster {scoring.Cluster}";
            io.Error.WriteLine($"search: {tuner.Fingerprint}, batch {live.Batch.Images.shape[0]} from {live.Batch.Source}, {running}, {parse.GetValue(layout)}");
            NasExperimentResult result = experiment.RunAsync(cancel).GetAwaiter().GetResult();
            var best = result.Best ?? throw new InvalidOperationException("The search finished no trial.");
            object Describe(GaNas.Search.AutoML.TrialResult trial)
            {
                var entry = new Dictionary<string, object?>
                {
                    ["arch"] = trial.TrialSettings.Parameter.Architecture,
                    ["proxies"] = trial.ProxyValues,
                };
                if (bench is not null && bench.TryFind(trial.Genome, out var e))
                {
                    entry["index"] = e!.Index;
                    if (double.IsFinite(e.TestAccuracy)) entry["test_acc"] = e.TestAccuracy;
                    if (double.IsFinite(e.ValidAccuracy)) entry["valid_acc"] = e.ValidAccuracy;
                }
                return entry;
            }
            var doc = new Dictionary<string, object?>
            {
                ["space"] = s.Name,
                ["strategy"] = tuner.Name,
                ["settings"] = tuner.Settings,
                ["score"] = hybrid.Name,
                ["seed"] = seedValue,
                ["best"] = Describe(best),
                ["evaluations"] = result.Evaluations,
                ["finalists"] = result.Finalists is not { } selection ? null : new
                {
                    repeats = repeatCount,
                    weight_seeds = Enumerable.Range(seedValue + 1, repeatCount).ToArray(),
                    evaluations = selection.Evaluations,
                    seconds = Math.Round(selection.Seconds, 3),
                    chosen_rank = selection.Finalists.First(f => ReferenceEquals(f.Trial, selection.Best)).SearchRank,
                    candidates = selection.Finalists.Select(f => new { rank = f.SearchRank, arch = f.Trial.TrialSettings.Parameter.Architecture, mean_proxies = f.MeanValues, score = f.Score }).ToArray(),
                },
                ["resumed_trials"] = result.ResumedTrials,
                ["failed_trials"] = result.FailedTrials,
                ["proxy_failures"] = runner.ProxyFailures,
                ["cancelled"] = result.Cancelled,
                ["seconds"] = Math.Round(result.Seconds, 3),
                ["threads"] = TorchRuntime.Threads,
                ["workers"] = scoring.Workers,
                ["cluster"] = scoring.Cluster,
                ["layout"] = parse.GetValue(layout),
                ["history"] = result.Trials.Select(tr => new
                {
                    trial = tr.TrialSettings.TrialId,
                    arch = tr.TrialSettings.Parameter.Architecture,
                    proxies = tr.ProxyValues,
                    seconds = Math.Round(tr.DurationInMilliseconds / 1000, 4),
                    error = tr.Error,
                }).ToArray(),
            };
            string outPath = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            File.WriteAllText(outPath, Json.Serialize(doc, indented: true));
            if (scoring.Summary() is { } summary) io.Error.WriteLine(summary);
            io.Error.WriteLine($"search: best {best.TrialSettings.Parameter.Architecture} after {result.Evaluations} evaluations in {result.Seconds:F1} s{(result.Cancelled ? " (stopped early)" : "")}");
            io.Out.WriteLine(Json.Serialize(doc["best"]));
            return 0;
        })));
        return command;
    }
}
