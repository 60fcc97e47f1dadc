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
    private readonly MLContext _context;
    private readonly TrainingFreeNasOptions _options;

    internal TrainingFreeNasTrainer(MLContext context, TrainingFreeNasOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
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
        CancellationToken ct = o.CancellationToken;
        TorchRuntime.Initialize(o.Threads);
        Device device = TorchRuntime.ResolveDevice(o.Device);
        TrainingData data = TrainingData.Read(input, o);
        var (mean, std) = data.Normalization(o.ImageChannels, o.ImageHeight, o.ImageWidth);
        using Tensor images = data.Images(o.ImageChannels, o.ImageHeight, o.ImageWidth, mean, std);
        using Tensor labels = tensor(data.Labels);

        ISearchSpace space = o.Space;
        var networkOptions = new NetworkOptions { Classes = data.Classes, Channels = o.Channels, CellsPerStage = o.CellsPerStage, InputChannels = o.ImageChannels, Seed = o.Seed };
        HybridScore score = HybridScore.Parse(o.Score, space);

        // 1. Training-free search.
        var searchWatch = Stopwatch.StartNew();
        NasExperimentResult search = Search(space, networkOptions, score, images, labels, data.Count, ct);
        TrialResult best = search.Best ?? throw new InvalidOperationException("The search scored no architecture.");
        if (best.Failed) throw new InvalidOperationException($"Every scored architecture failed; the last error: {search.Trials[^1].Error}");
        double searchSeconds = searchWatch.Elapsed.TotalSeconds;

        // 2. Optional finalists, trained briefly (not the paper's training-free setting).
        var trainWatch = Stopwatch.StartNew();
        Genome chosen = o.Finalists > 1 ? PickFinalist(space, networkOptions, search, images, labels, device, ct) : best.Genome;
        string architecture = space.Format(chosen);
        var proxyValues = search.Trials.First(t => t.Genome.Equals(chosen)).ProxyValues;

        // 3. Final training of the chosen network only.
        CellNetwork network = space.BuildNetwork(chosen, networkOptions);
        var stats = NetworkStatistics.Measure(network, o.ImageHeight);
        Report("training", 0, o.Epoch, $"training {architecture} ({stats.Parameters:N0} parameters, {stats.MultiplyAccumulates:N0} MACs) for {o.Epoch} epochs");
        var epochProgress = new ActionProgress<EpochMetrics>(m =>
        {
            o.MetricsCallback?.Invoke(m);
            Report("training", m.Epoch, o.Epoch, FormattableString.Invariant($"epoch {m.Epoch}: loss {m.TrainLoss:F4}, train {m.TrainAccuracy:P2}, validation {m.ValidationAccuracy:P2}, {m.Seconds:F1} s"));
        });
        TrainingReport report = NetworkTrainer.Train(network, images, labels, o.ToTrainingOptions(o.Epoch), device, epochProgress, ct);

        // 4. The ML.NET model.
        var header = new NetworkHeader(space.Name, architecture, data.Classes, networkOptions.Channels, networkOptions.CellsPerStage, o.ImageChannels,
            o.ImageHeight, o.ImageWidth, mean, std, data.LabelNames);
        NetworkModel model = NetworkModel.Register(header, network);
        ITransformer pipeline = ScoringPipeline(model.ToBytes(), data.EncodedImages, data.LabelNames).Fit(_context.Data.TakeRows(input, 1));
        var summary = new TrainingFreeNasSummary(space.Name, architecture, score.Name, proxyValues, search.Evaluations, searchSeconds,
            trainWatch.Elapsed.TotalSeconds, stats.Parameters, stats.MultiplyAccumulates, report.Curve);
        var transformer = new TrainingFreeNasTransformer(pipeline, summary);
        if (!report.Completed)
        {
            throw new TrainingFreeNasCancelledException(report.Curve.Count > 0
                ? $"Cancelled during training after {report.Curve.Count} epoch(s); a model with the best weights so far is available in Model."
                : "Cancelled before the first training epoch ended; no model is available.", report.Curve.Count > 0 ? transformer : null, ct);
        }
        return transformer;
    }

    private NasExperimentResult Search(ISearchSpace space, NetworkOptions networkOptions, HybridScore score, Tensor images, Tensor labels, int count, CancellationToken ct)
    {
        var o = _options;
        var random = new Random(o.Seed);
        long[] chosen = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(Math.Min(o.ProxyBatchSize, count)).Select(i => (long)i).ToArray();
        if (chosen.Length < 2) throw new InvalidDataException("The proxies need at least 2 training images.");
        using Tensor index = tensor(chosen);
        using Tensor batch = images.index_select(0, index);
        using Tensor batchLabels = labels.index_select(0, index);
        var proxies = score.Proxies.Select(ProxyRegistry.Create).ToList();
        ITrialRunner runner = new ProxyTrialRunner(new ProxyEvaluator(space, proxies, batch, networkOptions, o.Seed, batchLabels));
        if (o.MaxMultiplyAccumulates is { } limit) runner = new CostLimitedTrialRunner(runner, space, networkOptions, o.ImageHeight, limit);
        using (runner)
        {
            SearchStrategy strategy = o.Strategy switch
            {
                NasSearchStrategy.GeneticAlgorithm => new GeneticAlgorithm(space, score, o.Seed, new GeneticAlgorithmOptions
                {
                    PopulationSize = Math.Clamp(o.Evaluations / 4, 2, 50),
                    TournamentSize = Math.Clamp(o.Evaluations / 20, 1, 5),
                }),
                NasSearchStrategy.SimulatedAnnealing => new SimulatedAnnealing(space, score, o.Seed),
                NasSearchStrategy.RegularizedEvolution => new RegularizedEvolution(space, score, o.Seed, new RegularizedEvolutionOptions
                {
                    PopulationSize = Math.Clamp(o.Evaluations / 4, 2, 100),
                    TournamentSize = Math.Clamp(o.Evaluations / 16, 1, 25),
                }),
                _ => new RandomSearch(space, score, o.Seed),
            };
            var experiment = new NasExperiment().SetStrategy(strategy).SetTrialRunner(runner).SetEvaluationBudget(o.Evaluations).SetWorkers(o.SearchWorkers)
                .SetProgress(new ActionProgress<NasProgress>(p => Report("search", p.Evaluations, o.Evaluations,
                    $"scored {p.Latest.TrialSettings.Parameter.Architecture}{(p.Latest.Failed ? " (failed: " + p.Latest.Error + ")" : "")}")));
            if (o.SearchTimeBudget is { } budget) experiment.SetTimeBudget(budget);
            int threads = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
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

    private Genome PickFinalist(ISearchSpace space, NetworkOptions networkOptions, NasExperimentResult search, Tensor images, Tensor labels, Device device, CancellationToken ct)
    {
        var o = _options;
        var history = new SearchHistory(HybridScore.Parse(o.Score, space));
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
            var training = o.ToTrainingOptions(o.FinalistEpochs);
            TrainingReport r = NetworkTrainer.Train(candidate, images, labels, training, device, null, ct);
            double accuracy = r.BestValidationAccuracy;
            Report("finalists", f + 1, finalists.Count, FormattableString.Invariant($"{space.Format(finalists[f])}: validation {accuracy:P2} after {o.FinalistEpochs} epoch(s)"));
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
        var t = _context.Transforms;
        IEstimator<ITransformer> scoring = encoded
            ? t.CustomMapping(new BytesScoringFactory().GetMapping(), BytesScoringFactory.ContractName)
            : t.CustomMapping(new PixelScoringFactory().GetMapping(), PixelScoringFactory.ContractName);
        IDataView labelOrder = _context.Data.LoadFromEnumerable(labelNames.Select(n => new LabelName { Value = n }));
        return t.CustomMapping(new ModelKeyFactory().GetMapping(), ModelKeyFactory.ContractName)
            .Append(t.Conversion.MapValue("GaNasModel", [new KeyValuePair<string, byte[]>(ModelKeyFactory.Key, network)], "GaNasModelKey"))
            .Append(t.CopyColumns("GaNasFeatures", o.FeatureColumnName))
            .Append(scoring)
            .Append(t.FeatureSelection.SelectFeaturesBasedOnCount(o.ScoreColumnName, "GaNasPaddedScore", count: 1))
            .Append(t.Conversion.MapValue("GaNasPredictedText", labelNames.Select((n, i) => new KeyValuePair<uint, string>((uint)i, n)), "GaNasPredictedIndex"))
            .Append(t.Conversion.MapValueToKey(o.PredictedLabelColumnName, "GaNasPredictedText", keyData: labelOrder))
            .Append(t.DropColumns("GaNasModelKey", "GaNasModel", "GaNasFeatures", "GaNasPaddedScore", "GaNasPredictedIndex", "GaNasPredictedText"));
    }

    private void Report(string phase, int done, int total, string message) => _options.Progress?.Report(new TrainingFreeNasProgress(phase, done, total, message));

    private sealed class LabelName
    {
        public string Value = string.Empty;
    }

    private sealed class ActionProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
