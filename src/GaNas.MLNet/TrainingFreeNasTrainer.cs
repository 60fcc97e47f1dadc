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
        var label = inputSchema.FirstOrDefault(c => c.Name == _options.LabelColumnName);
        if (label.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' not found.");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' must be a key type: apply MapValueToKey first.");
        var features = inputSchema.FirstOrDefault(c => c.Name == _options.FeatureColumnName);
        if (features.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Features column '{_options.FeatureColumnName}' not found.");
        bool encoded = features.ItemType == NumberDataViewType.Byte;
        if (!encoded && !(features.ItemType == NumberDataViewType.Single && features.Kind == SchemaShape.Column.VectorKind.Vector))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Features column '{_options.FeatureColumnName}' must be a known-size float vector (ExtractPixels) or image bytes (LoadRawImageBytes).");
        // The output shape is that of the scoring pipeline, built here with placeholders.
        return ScoringPipeline([], encoded, ["a", "b"]).GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public TrainingFreeNasTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        var fitWatch = Stopwatch.StartNew();
        CancellationToken ct = o.CancellationToken;
        using var log = new FitLog(_host.Start(LoadName), o.Progress);
        int seed = o.Seed ?? _host.Rand.Next();
        TorchRuntime.Initialize(o.ThreadCount);
        Device device = TorchRuntime.ResolveDevice(o.Device);

        // 0. Data: every row read and checked; normalisation from the training rows only.
        // The images stay in memory once, raw (uint8 for images); batches are normalised as they are gathered.
        using TrainingData data = TrainingData.Read(input, o);
        using TrainingData? validation = o.ValidationSet is null ? null : ReadValidation(o.ValidationSet, data);
        InputNormalization normalization = data.Normalization();
        Tensor images = data.Images;
        using Tensor labels = tensor(data.Labels);
        Tensor? validationImages = validation?.Images;
        using Tensor? validationLabels = validation is null ? null : tensor(validation.Labels);
        int validationRows = validation?.Count ?? (int)Math.Floor(data.Count * o.ValidationSetFraction);
        int trainRows = validation is null ? data.Count - validationRows : data.Count;
        log.Info(FormattableString.Invariant($"data: {data.Count} training rows, {data.Classes} classes, {validationRows} validation rows{(validation is null ? " (split off)" : " (ValidationSet)")}; seed {seed}{(o.Seed is null ? " (from the MLContext)" : "")}; {o.ThreadCount} thread(s), device {device.type}"));
        TrainingSchedule schedule = SmallDataRule.Plan(trainRows, validationRows, data.Classes, o.BatchSize, o.Epoch, o.AdaptToSmallData);
        foreach (string warning in schedule.Warnings) log.Warning(warning);

        ISearchSpace space = o.Space;
        var networkOptions = new NetworkOptions { Classes = data.Classes, Channels = o.Channels, CellsPerStage = o.CellsPerStage, InputChannels = o.ImageChannels, Seed = seed };
        HybridScore score = o.ParseScore();

        // 1-2. Training-free search and optional finalists, or the architecture given, or the outcome of the same search stored with the checkpoint.
        SearchOutcome outcome = Choose(space, networkOptions, score, images, normalization, labels, data.Count, validationImages, validationLabels, schedule, seed, device, log, ct);
        Genome chosen = space.Parse(outcome.Architecture);
        string architecture = outcome.Architecture;
        var proxyValues = outcome.ProxyValues;
        double searchSeconds = outcome.SearchSeconds;
        var trainWatch = Stopwatch.StartNew();

        // 3. Final training of the chosen network only.
        CellNetwork network = space.BuildNetwork(chosen, networkOptions);
        var stats = NetworkStatistics.Measure(network, o.ImageHeight);
        int epochs = schedule.Epochs;
        log.Report("training", 0, epochs, FormattableString.Invariant($"training {architecture} ({stats.Parameters:N0} parameters, {stats.MultiplyAccumulates:N0} MACs) for {epochs} epochs in batches of {schedule.BatchSize}"));
        var epochProgress = new SyncProgress<EpochMetrics>(m =>
        {
            o.MetricsCallback?.Invoke(m);
            log.Report("training", m.Epoch, epochs, FormattableString.Invariant($"epoch {m.Epoch}: loss {m.TrainLoss:F4}, train {m.TrainAccuracy:P2}, validation {m.ValidationAccuracy:P2}, {m.Seconds:F1} s"));
        });
        TimeSpan? trainingBudget = o.TimeBudget is { } total ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (total - fitWatch.Elapsed).Ticks)) : null;
        TrainingReport report = NetworkTrainer.Train(network, images, labels, o.ToTrainingOptions(epochs, schedule.BatchSize, seed, o.TrainingCheckpointPath, trainingBudget, normalization),
            device, epochProgress, validationImages, validationLabels, ct);
        var warnings = schedule.Warnings.ToList();
        if (report.TimeLimitedEpochs is { } fitted)
        {
            string shortened = FormattableString.Invariant($"TimeBudget {o.TimeBudget!.Value.TotalSeconds:F0} s: the final training ran {fitted} of {epochs} planned epochs, with the learning-rate schedule re-planned to end there.");
            warnings.Add(shortened);
            log.Warning(shortened);
        }
        if (report.StoppedEarly) log.Info($"training: stopped early after epoch {report.Curve.Count}; best epoch {report.BestEpoch}");

        // 4. The ML.NET model.
        var header = new NetworkHeader(space.Name, architecture, data.Classes, networkOptions.Channels, networkOptions.CellsPerStage, o.ImageChannels,
            o.ImageHeight, o.ImageWidth, normalization.Mean.ToArray(), normalization.Std.ToArray(), data.LabelNames);
        NetworkModel model = NetworkModel.Register(header, network);
        ITransformer pipeline = ScoringPipeline(model.ToBytes(), data.EncodedImages, data.LabelNames).Fit(_pipelineContext.Data.TakeRows(input, 1));
        var summary = new TrainingFreeNasSummary(space.Name, architecture, score.Name, proxyValues, outcome.Evaluations, searchSeconds,
            outcome.FinalistSeconds + trainWatch.Elapsed.TotalSeconds, stats.Parameters, stats.MultiplyAccumulates, report.Curve)
        {
            Seed = seed,
            BatchSize = schedule.BatchSize,
            Epochs = epochs,
            BestEpoch = report.BestEpoch,
            StoppedEarly = report.StoppedEarly,
            Warnings = warnings,
        };
        var transformer = new TrainingFreeNasTransformer(pipeline, model, summary);
        if (!report.Completed)
        {
            throw new TrainingFreeNasCancelledException(report.Curve.Count > 0
                ? $"Cancelled during training after {report.Curve.Count} epoch(s); a model with the best weights so far is available in Model."
                : "Cancelled before the first training epoch ended; no model is available.", report.Curve.Count > 0 ? transformer : null, ct);
        }
        log.Info(FormattableString.Invariant($"done: {architecture}, best epoch {report.BestEpoch} of {report.Curve.Count}, {trainWatch.Elapsed.TotalSeconds:F1} s of training"));
        return transformer;
    }

    /// <summary>The architecture to train: the one given, the stored outcome of this very search, or a new search (then stored when checkpointing).</summary>
    private SearchOutcome Choose(ISearchSpace space, NetworkOptions networkOptions, HybridScore score, Tensor images, InputNormalization normalization, Tensor labels, int count,
        Tensor? validationImages, Tensor? validationLabels, TrainingSchedule schedule, int seed, Device device, FitLog log, CancellationToken ct)
    {
        var o = _options;
        if (o.Architecture is { } given)
        {
            string canonical = space.Format(space.Parse(given));
            log.Report("search", 0, 0, $"search: skipped, training the given architecture {canonical}");
            return new SearchOutcome(canonical, new Dictionary<string, double>(), 0, 0);
        }
        // The proxies' batch, raw: what the search reads, and what the stored outcome's fingerprint hashes.
        using Tensor index = tensor(ProxyRows(count, seed));
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
        Genome chosen = o.Finalists > 1 ? PickFinalist(space, networkOptions, search, images, normalization, labels, validationImages, validationLabels, schedule, seed, device, log, ct) : best.Genome;
        var outcome = new SearchOutcome(space.Format(chosen), search.Trials.First(t => t.Genome.Equals(chosen)).ProxyValues, search.Evaluations, searchSeconds,
            o.Finalists > 1 ? finalistWatch.Elapsed.TotalSeconds : 0);
        if (stored is not null) outcome.Save(stored, fingerprint!);
        return outcome;
    }

    /// <summary>The training rows the proxies score architectures on: a seeded draw of <see cref="TrainingFreeNasOptions.ProxyBatchSize"/>.</summary>
    private long[] ProxyRows(int count, int seed)
    {
        var random = new Random(seed);
        long[] chosen = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(Math.Min(_options.ProxyBatchSize, count)).Select(i => (long)i).ToArray();
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
        ITrialRunner runner = new ProxyTrialRunner(new ProxyEvaluator(space, proxies, batch, networkOptions, seed, proxyLabels));
        if (o.MaxMultiplyAccumulates is { } limit) runner = new CostLimitedTrialRunner(runner, space, networkOptions, o.ImageHeight, limit);
        using (runner)
        {
            SearchStrategy strategy = StrategyRegistry.Create(o.StrategyKey, space, score, seed, o.Evaluations);
            var experiment = new NasExperiment().SetTuner(strategy).SetTrialRunner(runner).SetMaxModelToExplore(o.Evaluations).SetWorkers(o.SearchWorkers)
                .SetProgress(new SyncProgress<NasProgress>(p => log.Report("search", p.Evaluations, o.Evaluations,
                    $"scored {p.Latest.TrialSettings.Parameter.Architecture}{(p.Latest.Failed ? " (failed: " + p.Latest.Error + ")" : "")}", detail: true)));
            TimeSpan? searchBudget = o.TimeBudget is { } total ? total / 4 : null;
            if (o.SearchTimeBudget is { } own && (searchBudget is null || own < searchBudget)) searchBudget = own;
            if (searchBudget is { } budget) experiment.SetTrainingTimeInSeconds(budget.TotalSeconds);
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
            if (ct.IsCancellationRequested)
                throw new TrainingFreeNasCancelledException($"Cancelled during the search after {result.Evaluations} evaluation(s); no model is available (nothing was trained).", null, ct);
            return result;
        }
    }

    private Genome PickFinalist(ISearchSpace space, NetworkOptions networkOptions, NasExperimentResult search, Tensor images, InputNormalization normalization, Tensor labels,
        Tensor? validationImages, Tensor? validationLabels, TrainingSchedule schedule, int seed, Device device, FitLog log, CancellationToken ct)
    {
        var o = _options;
        var history = new SearchHistory(o.ParseScore());
        foreach (var t in search.Trials) history.Add(t);
        var pool = search.Trials.Where(t => !t.Failed).Select(t => t.Genome).ToArray();
        double[] scores = history.ScorePool(pool);
        var finalists = Enumerable.Range(0, pool.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(o.Finalists).Select(i => pool[i]).ToList();
        Genome best = finalists[0];
        double bestAccuracy = double.NegativeInfinity;
        for (int f = 0; f < finalists.Count; f++)
        {
            ct.ThrowIfCancellationRequested();
            using CellNetwork candidate = space.BuildNetwork(finalists[f], networkOptions);
            var training = o.ToTrainingOptions(o.FinalistEpochs, schedule.BatchSize, seed, normalization: normalization);
            TrainingReport r = NetworkTrainer.Train(candidate, images, labels, training, device, null, validationImages, validationLabels, ct);
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
