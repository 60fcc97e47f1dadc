using System.Diagnostics;
using GaNas.Data;
using GaNas.Networks;
using GaNas.Proxies;
using GaNas.Runtime;
using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.AutoML;
using GaNas.Search.Runners;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;
using GaNas.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace GaNas.MLNet;

/// <summary>
/// A multiclass image trainer that searches a NATS-Bench network without training any candidate
/// (zero-cost proxies ranked into a hybrid score, explored by a genetic algorithm or another
/// strategy), trains only the winner with TorchSharp, and returns a model that predicts, evaluates,
/// saves and loads like any ML.NET model.
/// </summary>
public sealed class TrainingFreeNasTrainer : IEstimator<TrainingFreeNasTransformer>
{
    /// <summary>The name under which the trainer registers with ML.NET: its log messages' source.</summary>
    public const string LoadName = "TrainingFreeNas";

    private readonly IHost _host;
    private readonly TrainingFreeNasOptions _options;
    private readonly MLContext _pipelineContext = new(seed: 0);

    internal TrainingFreeNasTrainer(IHostEnvironment environment, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _host = environment.Register(LoadName);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        bool encoded = InputSchema.Check(inputSchema, _options);
        // The output shape is that of the scoring pipeline, built here with placeholders.
        return ScoringPipeline([], encoded, ["a", "b"]).GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    /// <remarks>The steps, in order: <see cref="Read"/>, <see cref="Choose"/> (search and finalists), <see cref="Train"/>, <see cref="Package"/>.</remarks>
    public TrainingFreeNasTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fitWatch = Stopwatch.StartNew();
        using var log = new FitLog(_host.Start(LoadName), _options.Progress);
        int seed = _options.Seed ?? _host.Rand.Next();
        TorchRuntime.Initialize(_options.ThreadCount);
        Device device = TorchRuntime.ResolveDevice(_options.Device);

        using FitInputs inputs = Read(input, seed, device, log);
        SearchOutcome outcome = Choose(inputs, log);
        var trainWatch = Stopwatch.StartNew();
        (CellNetwork network, NetworkStatistics stats, TrainingReport report, List<string> warnings) = Train(inputs, outcome.Architecture, fitWatch.Elapsed, log);
        var transformer = Package(input, inputs, outcome, network, stats, report, warnings, outcome.FinalistSeconds + trainWatch.Elapsed.TotalSeconds);
        if (!report.Completed)
        {
            throw new TrainingFreeNasCancelledException(report.Curve.Count > 0
                ? $"Cancelled during training after {report.Curve.Count} epoch(s); a model with the best weights so far is available in Model."
                : "Cancelled before the first training epoch ended; no model is available.", report.Curve.Count > 0 ? transformer : null, _options.CancellationToken);
        }
        log.Info(FormattableString.Invariant($"done: {outcome.Architecture}, best epoch {report.BestEpoch} of {report.Curve.Count}, {trainWatch.Elapsed.TotalSeconds:F1} s of training"));
        return transformer;
    }

    /// <summary>
    /// What a fit works on after reading: the training rows (raw, once; batches are normalised as they are gathered) and
    /// the validation rows, the normalisation from the training rows only, the schedule, and the search's settings.
    /// </summary>
    private sealed class FitInputs : IDisposable
    {
        public required TrainingData Data { get; init; }
        public required TrainingData? Validation { get; init; }
        public required Tensor Labels { get; init; }
        public required Tensor? ValidationLabels { get; init; }
        public required InputNormalization Normalization { get; init; }
        public required TrainingSchedule Schedule { get; init; }
        public required NetworkOptions Network { get; init; }
        public required HybridScore Score { get; init; }
        public required int Seed { get; init; }
        public required Device Device { get; init; }

        public Tensor Images => Data.Images;

        public Tensor? ValidationImages => Validation?.Images;

        public void Dispose()
        {
            Labels.Dispose();
            ValidationLabels?.Dispose();
            Validation?.Dispose();
            Data.Dispose();
        }
    }

    /// <summary>Step 1: every row read and checked, the normalisation, the validation rows and the schedule.</summary>
    private FitInputs Read(IDataView input, int seed, Device device, FitLog log)
    {
        var o = _options;
        TrainingData data = TrainingData.Read(input, o);
        TrainingData? validation = null;
        try
        {
            validation = o.ValidationSet is null ? null : ReadValidation(o.ValidationSet, data);
            int validationRows = validation?.Count ?? (int)Math.Floor(data.Count * o.ValidationSetFraction);
            int trainRows = validation is null ? data.Count - validationRows : data.Count;
            log.Info(FormattableString.Invariant($"data: {data.Count} training rows, {data.Classes} classes, {validationRows} validation rows{(validation is null ? " (split off)" : " (ValidationSet)")}; seed {seed}{(o.Seed is null ? " (from the MLContext)" : "")}; {o.ThreadCount} thread(s), device {device.type}"));
            TrainingSchedule schedule = SmallDataRule.Plan(trainRows, validationRows, data.Classes, o.BatchSize, o.Epoch, o.AdaptToSmallData);
            foreach (string warning in schedule.Warnings) log.Warning(warning);
            return new FitInputs
            {
                Data = data,
                Validation = validation,
                Labels = tensor(data.Labels),
                ValidationLabels = validation is null ? null : tensor(validation.Labels),
                Normalization = data.Normalization(),
                Schedule = schedule,
                Network = new NetworkOptions { Classes = data.Classes, Channels = o.Channels, CellsPerStage = o.CellsPerStage, InputChannels = o.ImageChannels, Seed = seed },
                Score = o.ParseScore(),
                Seed = seed,
                Device = device,
            };
        }
        catch
        {
            validation?.Dispose();
            data.Dispose();
            throw;
        }
    }

    /// <summary>Step 3: the final training of the chosen network only, within what is left of <see cref="TrainingFreeNasOptions.TimeBudget"/>.</summary>
    private (CellNetwork Network, NetworkStatistics Stats, TrainingReport Report, List<string> Warnings) Train(FitInputs inputs, string architecture, TimeSpan elapsed, FitLog log)
    {
        var o = _options;
        CellNetwork network = o.Space.BuildNetwork(o.Space.Parse(architecture), inputs.Network);
        var stats = NetworkStatistics.Measure(network, o.ImageHeight);
        int epochs = inputs.Schedule.Epochs;
        var epochProgress = new SyncProgress<EpochMetrics>(m =>
        {
            o.MetricsCallback?.Invoke(m);
            log.Report("training", m.Epoch, epochs, FormattableString.Invariant($"epoch {m.Epoch}: loss {m.TrainLoss:F4}, train {m.TrainAccuracy:P2}, validation {m.ValidationAccuracy:P2}, {m.Seconds:F1} s"));
        });
        TimeSpan? trainingBudget = o.TimeBudget is { } total ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (total - elapsed).Ticks)) : null;
        var training = o.ToTrainingOptions(epochs, inputs.Schedule.BatchSize, inputs.Seed, o.TrainingCheckpointPath, trainingBudget, inputs.Normalization, inputs.Device.type == TorchSharp.DeviceType.CPU);
        log.Report("training", 0, epochs, FormattableString.Invariant($"training {architecture} ({stats.Parameters:N0} parameters, {stats.MultiplyAccumulates:N0} MACs) for {epochs} epochs in batches of {inputs.Schedule.BatchSize} on {training.Lanes} lane(s)"));
        TrainingReport report = NetworkTrainer.Train(network, inputs.Images, inputs.Labels, training, inputs.Device, epochProgress, inputs.ValidationImages, inputs.ValidationLabels, o.CancellationToken);
        var warnings = inputs.Schedule.Warnings.ToList();
        if (report.TimeLimitedEpochs is { } fitted)
        {
            string shortened = FormattableString.Invariant($"TimeBudget {o.TimeBudget!.Value.TotalSeconds:F0} s: the final training ran {fitted} of {epochs} planned epochs, with the learning-rate schedule re-planned to end there.");
            warnings.Add(shortened);
            log.Warning(shortened);
        }
        if (report.StoppedEarly) log.Info($"training: stopped early after epoch {report.Curve.Count}; best epoch {report.BestEpoch}");
        return (network, stats, report, warnings);
    }

    /// <summary>Step 4: the ML.NET model: the network registered for scoring and the pipeline that carries it, with the fit's summary.</summary>
    private TrainingFreeNasTransformer Package(IDataView input, FitInputs inputs, SearchOutcome outcome, CellNetwork network, NetworkStatistics stats, TrainingReport report,
        List<string> warnings, double trainingSeconds)
    {
        var o = _options;
        TrainingData data = inputs.Data;
        var header = new NetworkHeader(o.Space.Name, outcome.Architecture, data.Classes, inputs.Network.Channels, inputs.Network.CellsPerStage, o.ImageChannels,
            o.ImageHeight, o.ImageWidth, inputs.Normalization.Mean.ToArray(), inputs.Normalization.Std.ToArray(), data.LabelNames);
        byte[] blob = NetworkModel.Register(header, network).ToBytes();
        // The instance scoring will find by these bytes: an identical network fitted before in this process is that one.
        NetworkModel model = NetworkModel.FromBytes(blob);
        ITransformer pipeline = ScoringPipeline(blob, data.EncodedImages, data.LabelNames).Fit(_pipelineContext.Data.TakeRows(input, 1));
        var summary = new TrainingFreeNasSummary(o.Space.Name, outcome.Architecture, inputs.Score.Name, outcome.ProxyValues, outcome.Evaluations, outcome.SearchSeconds,
            trainingSeconds, stats.Parameters, stats.MultiplyAccumulates, report.Curve)
        {
            Seed = inputs.Seed,
            BatchSize = inputs.Schedule.BatchSize,
            Epochs = inputs.Schedule.Epochs,
            BestEpoch = report.BestEpoch,
            StoppedEarly = report.StoppedEarly,
            Warnings = warnings,
        };
        return new TrainingFreeNasTransformer(pipeline, model, summary);
    }

    /// <summary>
    /// Step 2: the architecture to train: the one given, the stored outcome of this very search, or a new search and,
    /// when asked, its finalists trained briefly (then stored when checkpointing).
    /// </summary>
    private SearchOutcome Choose(FitInputs inputs, FitLog log)
    {
        var o = _options;
        ISearchSpace space = o.Space;
        NetworkOptions networkOptions = inputs.Network;
        HybridScore score = inputs.Score;
        Tensor images = inputs.Images, labels = inputs.Labels;
        InputNormalization normalization = inputs.Normalization;
        int seed = inputs.Seed;
        CancellationToken ct = o.CancellationToken;
        if (o.Architecture is { } given)
        {
            string canonical = space.Format(space.Parse(given));
            log.Report("search", 0, 0, $"search: skipped, training the given architecture {canonical}");
            return new SearchOutcome(canonical, new Dictionary<string, double>(), 0, 0);
        }
        // The proxies' batch, raw: what the search reads, and what the stored outcome's fingerprint hashes.
        using Tensor index = tensor(ProxyRows(inputs.Data.Count, seed));
        using Tensor proxyImages = images.index_select(0, index);
        using Tensor proxyLabels = labels.index_select(0, index);
        string? stored = o.TrainingCheckpointPath is { } checkpoint ? SearchOutcome.PathFor(checkpoint) : null;
        RunFingerprint? fingerprint = stored is null ? null : SearchFingerprint(space, networkOptions, score, images.shape, proxyImages, proxyLabels, normalization, seed);
        if (stored is not null && SearchOutcome.Load(stored, fingerprint!) is { } previous)
        {
            try
            {
                space.Parse(previous.Architecture);
            }
            catch (ArchitectureFormatException ex)
            {
                throw new InvalidDataException($"The search result '{stored}' holds an invalid architecture: {ex.Message}", ex);
            }
            log.Report("search", previous.Evaluations, previous.Evaluations, $"search: resumed from {stored}: {previous.Architecture} ({previous.Evaluations} architectures scored before)");
            return previous;
        }

        var searchWatch = Stopwatch.StartNew();
        log.Report("search", 0, o.Evaluations, $"search: {o.Strategy} over the {space.Name} space, score {score.Name}, {o.Evaluations} architectures");
        NasExperimentResult search = Search(space, networkOptions, score, proxyImages, proxyLabels, normalization, seed, log, ct);
        TrialResult best = search.Best ?? throw new InvalidOperationException("The search scored no architecture.");
        if (best.Failed) throw new InvalidOperationException($"Every scored architecture failed; the last error: {search.Trials[^1].Error}");
        double searchSeconds = searchWatch.Elapsed.TotalSeconds;
        log.Info(FormattableString.Invariant($"search: {search.Evaluations} architectures in {searchSeconds:F1} s, best {space.Format(best.Genome)}"));
        // Finalists, trained briefly, are not the paper's training-free setting; off by default.
        var finalistWatch = Stopwatch.StartNew();
        Genome chosen = o.Finalists > 1 ? PickFinalist(inputs, search, log) : best.Genome;
        var outcome = new SearchOutcome(space.Format(chosen), search.Trials.First(t => t.Genome.Equals(chosen)).ProxyValues, search.Evaluations, searchSeconds,
            o.Finalists > 1 ? finalistWatch.Elapsed.TotalSeconds : 0);
        if (stored is not null) outcome.Save(stored, fingerprint!);
        return outcome;
    }

    /// <summary>The training rows the proxies score architectures on: a seeded draw of <see cref="TrainingFreeNasOptions.ProxyBatchSize"/>.</summary>
    private long[] ProxyRows(int count, int seed)
    {
        long[] chosen = SeededSample.Indices(count, _options.ProxyBatchSize, seed).Select(i => (long)i).ToArray();
        if (chosen.Length < 2) throw new InvalidDataException("The proxies need at least 2 training images.");
        return chosen;
    }

    /// <summary>Everything the search's result depends on, for the stored outcome.</summary>
    private RunFingerprint SearchFingerprint(ISearchSpace space, NetworkOptions networkOptions, HybridScore score, long[] imagesShape, Tensor proxyImages, Tensor proxyLabels,
        InputNormalization normalization, int seed)
    {
        var o = _options;
        static string Text(object? value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return new RunFingerprint(new Dictionary<string, string>
        {
            ["space"] = space.Name, ["score"] = score.Name, ["strategy"] = o.StrategyKey, ["evaluations"] = Text(o.Evaluations), ["seed"] = Text(seed),
            ["channels"] = Text(networkOptions.Channels), ["cells"] = Text(networkOptions.CellsPerStage), ["classes"] = Text(networkOptions.Classes),
            ["images"] = string.Join('x', imagesShape), ["proxy_batch"] = RunFingerprint.HashOf(proxyImages), ["proxy_labels"] = RunFingerprint.HashOf(proxyLabels),
            ["max_macs"] = Text(o.MaxMultiplyAccumulates), ["finalists"] = Text(o.Finalists), ["finalist_epochs"] = Text(o.FinalistEpochs),
            ["rescoring"] = FormattableString.Invariant($"{o.Rescoring.Finalists}x{o.Rescoring.Repeats}"),
            ["proxy_code"] = RunFingerprint.ProxyCodeVersion,
            ["normalization"] = string.Join(';', normalization.Mean.Concat(normalization.Std).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
        });
    }

    /// <summary>Reads <see cref="TrainingFreeNasOptions.ValidationSet"/>; its problems name it.</summary>
    private TrainingData ReadValidation(IDataView validationSet, TrainingData training)
    {
        TrainingData validation;
        try
        {
            validation = TrainingData.Read(validationSet, _options);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException("ValidationSet: " + ex.Message, ex);
        }
        if (validation.Classes != training.Classes || !validation.LabelNames.SequenceEqual(training.LabelNames))
            throw new InvalidDataException($"ValidationSet: its label column '{_options.LabelColumnName}' has {validation.Classes} classes ({Preview(validation.LabelNames)}) but the training data have {training.Classes} ({Preview(training.LabelNames)}); transform it with the pipeline fitted on the training data.");
        if (validation.EncodedImages != training.EncodedImages)
            throw new InvalidDataException($"ValidationSet: column '{_options.FeatureColumnName}' holds {(validation.EncodedImages ? "image bytes" : "pixels")}, the training data {(training.EncodedImages ? "image bytes" : "pixels")}.");
        return validation;
    }

    private static string Preview(string[] names) => string.Join(", ", names.Take(5)) + (names.Length > 5 ? ", ..." : "");

    private NasExperimentResult Search(ISearchSpace space, NetworkOptions networkOptions, HybridScore score, Tensor proxyImages, Tensor proxyLabels, InputNormalization normalization, int seed, FitLog log, CancellationToken ct)
    {
        var o = _options;
        using Tensor batch = normalization.Apply(proxyImages);
        var proxies = score.Proxies.Select(ProxyRegistry.Create).ToList();
        var evaluator = new ProxyEvaluator(space, proxies, batch, networkOptions, seed, proxyLabels);
        IProxyScorer scorer = o.SearchScorer?.Create(evaluator) ?? evaluator;
        using var remote = scorer as IDisposable;
        int workers = Math.Max(o.SearchWorkers, scorer.Concurrency);
        ITrialRunner runner = new ProxyTrialRunner(scorer);
        if (o.MaxMultiplyAccumulates is { } limit) runner = new CostLimitedTrialRunner(runner, space, networkOptions, o.ImageHeight, limit);
        using (runner)
        {
            SearchStrategy strategy = StrategyRegistry.Create(o.StrategyKey, space, score, seed, o.Evaluations);
            var experiment = new NasExperiment().SetTuner(strategy).SetTrialRunner(runner).SetMaxModelToExplore(o.Evaluations).SetWorkers(workers)
                .SetProgress(new SyncProgress<NasProgress>(p => log.Report("search", p.Evaluations, o.Evaluations,
                    $"scored {p.Latest.TrialSettings.Parameter.Architecture}{(p.Latest.Failed ? " (failed: " + p.Latest.Error + ")" : "")}", detail: true)));
            TimeSpan? searchBudget = o.TimeBudget is { } total ? total / 4 : null;
            if (o.SearchTimeBudget is { } own && (searchBudget is null || own < searchBudget)) searchBudget = own;
            if (searchBudget is { } budget) experiment.SetTrainingTimeInSeconds(budget.TotalSeconds);
            // Noise-aware choice among the final candidates: their repeats run in this process, also when the search's
            // evaluations run on a cluster.
            if (o.Rescoring is { IsOn: true } rescoring)
            {
                IProxyScorer[] repeats = Enumerable.Range(1, rescoring.Repeats)
                    .Select(k => (IProxyScorer)evaluator.WithSeed(checked(seed + k))).ToArray();
                experiment.SetFinalistRescoring(new FinalistRescoring(rescoring.Finalists, repeats, o.SearchWorkers));
            }
            int threads = o.ThreadCount;
            NasExperimentResult result;
            try
            {
                TorchRuntime.Initialize(Math.Max(1, threads / o.SearchWorkers));
                result = experiment.RunAsync(ct).GetAwaiter().GetResult();
            }
            finally
            {
                TorchRuntime.Initialize(threads);
            }
            if (result.Finalists is { } selection)
            {
                Finalist chosen = selection.Finalists.First(f => ReferenceEquals(f.Trial, selection.Best));
                log.Info(FormattableString.Invariant($"search: the best {selection.Finalists.Count} scored again under {o.Rescoring.Repeats} more initialisation(s) in {selection.Seconds:F1} s; chose the search's number {chosen.SearchRank}, {space.Format(chosen.Trial.Genome)}"));
            }
            if (ct.IsCancellationRequested)
                throw new TrainingFreeNasCancelledException($"Cancelled during the search after {result.Evaluations} evaluation(s); no model is available (nothing was trained).", null, ct);
            return result;
        }
    }

    /// <summary>The best of the search's top <see cref="TrainingFreeNasOptions.Finalists"/> after <see cref="TrainingFreeNasOptions.FinalistEpochs"/> epochs each, by validation accuracy.</summary>
    private Genome PickFinalist(FitInputs inputs, NasExperimentResult search, FitLog log)
    {
        var o = _options;
        ISearchSpace space = o.Space;
        CancellationToken ct = o.CancellationToken;
        var history = new SearchHistory(inputs.Score);
        foreach (var t in search.Trials) history.Add(t);
        var pool = search.Trials.Where(t => !t.Failed).Select(t => t.Genome).ToArray();
        double[] scores = history.ScorePool(pool);
        var finalists = Enumerable.Range(0, pool.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(o.Finalists).Select(i => pool[i]).ToList();
        Genome best = finalists[0];
        double bestAccuracy = double.NegativeInfinity;
        for (int f = 0; f < finalists.Count; f++)
        {
            ct.ThrowIfCancellationRequested();
            using CellNetwork candidate = space.BuildNetwork(finalists[f], inputs.Network);
            var training = o.ToTrainingOptions(o.FinalistEpochs, inputs.Schedule.BatchSize, inputs.Seed, normalization: inputs.Normalization, onCpu: inputs.Device.type == TorchSharp.DeviceType.CPU);
            TrainingReport r = NetworkTrainer.Train(candidate, inputs.Images, inputs.Labels, training, inputs.Device, null, inputs.ValidationImages, inputs.ValidationLabels, ct);
            double accuracy = r.BestValidationAccuracy;
            log.Report("finalists", f + 1, finalists.Count, FormattableString.Invariant($"{space.Format(finalists[f])}: validation {accuracy:P2} after {o.FinalistEpochs} epoch(s)"));
            if (accuracy > bestAccuracy)
            {
                bestAccuracy = accuracy;
                best = finalists[f];
            }
        }
        return best;
    }

    /// <summary>The public ML.NET transforms that carry and apply the network (see Mappings.cs).</summary>
    private IEstimator<ITransformer> ScoringPipeline(byte[] network, bool encoded, string[] labelNames)
    {
        var o = _options;
        var t = _pipelineContext.Transforms;
        IEstimator<ITransformer> scoring = encoded
            ? t.CustomMapping(new BytesScoringFactory().GetMapping(), BytesScoringFactory.ContractName)
            : t.CustomMapping(new PixelScoringFactory().GetMapping(), PixelScoringFactory.ContractName);
        IDataView labelOrder = _pipelineContext.Data.LoadFromEnumerable(labelNames.Select(n => new LabelName { Value = n }));
        return t.CustomMapping(new ModelKeyFactory().GetMapping(), ModelKeyFactory.ContractName)
            .Append(t.Conversion.MapValue("GaNasModel", [new KeyValuePair<string, byte[]>(ModelKeyFactory.Key, network)], "GaNasModelKey"))
            .Append(t.CopyColumns("GaNasFeatures", o.FeatureColumnName))
            .Append(scoring)
            .Append(t.FeatureSelection.SelectFeaturesBasedOnCount(o.ScoreColumnName, "GaNasPaddedScore", count: 1))
            .Append(t.Conversion.MapValue("GaNasPredictedText", labelNames.Select((n, i) => new KeyValuePair<uint, string>((uint)i, n)), "GaNasPredictedIndex"))
            .Append(t.Conversion.MapValueToKey(o.PredictedLabelColumnName, "GaNasPredictedText", keyData: labelOrder))
            .Append(t.DropColumns("GaNasModelKey", "GaNasModel", "GaNasFeatures", "GaNasPaddedScore", "GaNasPredictedIndex", "GaNasPredictedText"));
    }

    private sealed class LabelName
    {
        public string Value = string.Empty;
    }

    /// <summary>
    /// Where a fit reports: the MLContext's log (a channel named <see cref="LoadName"/>) and the options' Progress.
    /// Phase messages are Info, each scored architecture Trace, rule findings Warning; workers may report at once.
    /// </summary>
    private sealed class FitLog(IChannel channel, IProgress<TrainingFreeNasProgress>? progress) : IDisposable
    {
        private readonly object _gate = new();

        public void Report(string phase, int done, int total, string message, bool detail = false)
        {
            lock (_gate)
            {
                if (detail) channel.Trace(MessageSensitivity.None, message);
                else channel.Info(MessageSensitivity.None, message);
            }
            progress?.Report(new TrainingFreeNasProgress(phase, done, total, message));
        }

        public void Info(string message)
        {
            lock (_gate) channel.Info(MessageSensitivity.None, message);
        }

        public void Warning(string message)
        {
            lock (_gate) channel.Warning(MessageSensitivity.None, message);
            progress?.Report(new TrainingFreeNasProgress("warning", 0, 0, message));
        }

        public void Dispose() => channel.Dispose();
    }
}
