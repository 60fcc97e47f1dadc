using GaNas.Proxies;
using GaNas.SearchSpaces;
using GaNas.Training;
using Microsoft.ML;

namespace GaNas.MLNet;

/// <summary>The search space of <see cref="TrainingFreeNasTrainer"/>.</summary>
public enum NasSearchSpace
{
    /// <summary>NATS-Bench topology space (NAS-Bench-201 cells): 15,625 architectures.</summary>
    Topology,
    /// <summary>NATS-Bench size space: 32,768 width configurations.</summary>
    Size,
}

/// <summary>The search strategy of <see cref="TrainingFreeNasTrainer"/>.</summary>
public enum NasSearchStrategy
{
    /// <summary>Genetic algorithm with rank-based hybrid fitness (the paper's method).</summary>
    GeneticAlgorithm,
    /// <summary>Simulated annealing over one-position neighbourhoods.</summary>
    SimulatedAnnealing,
    /// <summary>Regularised (aging) evolution.</summary>
    RegularizedEvolution,
    /// <summary>Random search.</summary>
    RandomSearch,
}

/// <summary>Options of the training-free NAS image classification trainer (flat public fields, as ML.NET trainers have).</summary>
public sealed class TrainingFreeNasOptions
{
    /// <summary>Label column: a key type (use MapValueToKey).</summary>
    public string LabelColumnName = "Label";

    /// <summary>
    /// Features column: a known-size float vector of Channels x Height x Width pixels in planar order
    /// (ExtractPixels with its default interleavePixelColors = false), or raw encoded image bytes (LoadRawImageBytes).
    /// </summary>
    public string FeatureColumnName = "Features";

    /// <summary>Output column of class probabilities.</summary>
    public string ScoreColumnName = "Score";

    /// <summary>Output column of the predicted label (a key with the label's key values).</summary>
    public string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>Image channels (1 grey, 3 RGB).</summary>
    public int ImageChannels = 3;

    /// <summary>Image height in pixels.</summary>
    public int ImageHeight = 32;

    /// <summary>Image width in pixels.</summary>
    public int ImageWidth = 32;

    /// <summary>Search space.</summary>
    public NasSearchSpace SearchSpace = NasSearchSpace.Topology;

    /// <summary>Width C of the first stage (topology space).</summary>
    public int Channels = 16;

    /// <summary>Cells per stage N (5 in the benchmark; 1-2 keep CPU training fast).</summary>
    public int CellsPerStage = 1;

    /// <summary>Search strategy.</summary>
    public NasSearchStrategy Strategy = NasSearchStrategy.GeneticAlgorithm;

    /// <summary>
    /// A strategy by its registered name (<c>StrategyRegistry</c>: "ga", "sa", "rea", "rs" or one registered by the
    /// application), instead of <see cref="Strategy"/>; null uses <see cref="Strategy"/>.
    /// </summary>
    public string? StrategyName;

    /// <summary>
    /// An architecture of <see cref="SearchSpace"/> in its canonical form (a TSS cell string, or SSS channels such as
    /// "64:32:48:56:64") to train without searching (null = search). The summary then lists no proxy values and 0 evaluations.
    /// </summary>
    public string? Architecture;

    /// <summary>The registered name of the strategy the trainer runs.</summary>
    internal string StrategyKey => StrategyName ?? Strategy switch
    {
        NasSearchStrategy.GeneticAlgorithm => "ga",
        NasSearchStrategy.SimulatedAnnealing => "sa",
        NasSearchStrategy.RegularizedEvolution => "rea",
        NasSearchStrategy.RandomSearch => "rs",
        _ => throw new ArgumentOutOfRangeException(nameof(Strategy), Strategy, "Unknown strategy."),
    };

    /// <summary>
    /// Training-free score: "default" (the search space's default, chosen on CIFAR-10 and CIFAR-100 together by what the
    /// GA returns: "ctrk" on the topology space, a log-rank hybrid of LogSynFlow, MeCo and NASWOT with a top term of AZ-NAS
    /// progressivity; "csrk" on the size space, AZ-NAS progressivity, LogSynFlow, size and SynFlow with a top term of AZ-NAS
    /// expressivity), "ctrk", "csrk", "trk" or "srk" (the earlier defaults, chosen on CIFAR-10 only)
    /// by name, "lrk" (chosen by cross-validated Kendall tau), "rk" (the paper's NI + NASWOT + LogSynFlow rank sum,
    /// unchanged for reproduction), one proxy, or a hybrid such as "naswot+logsynflow", "log:naswot+ni" or
    /// "log:meco+synflow+0.5*top(az_progressivity)".
    /// </summary>
    public string Score = Scoring.HybridScore.DefaultName;

    /// <summary>The search space <see cref="SearchSpace"/> names.</summary>
    internal GaNas.SearchSpaces.ISearchSpace Space => SearchSpace == NasSearchSpace.Topology
        ? GaNas.SearchSpaces.TopologySearchSpace.Instance
        : GaNas.SearchSpaces.SizeSearchSpace.Instance;

    /// <summary>The finalist re-scoring <see cref="RescoredFinalists"/> and <see cref="RescoringRepeats"/> ask for on <see cref="Space"/>.</summary>
    internal GaNas.Search.FinalistRescoringSettings Rescoring
    {
        get
        {
            int finalists = RescoredFinalists ?? GaNas.Search.FinalistRescoring.DefaultFor(Space, Score).Finalists;
            return finalists < 2 ? GaNas.Search.FinalistRescoringSettings.Off : new GaNas.Search.FinalistRescoringSettings(finalists, RescoringRepeats);
        }
    }

    /// <summary>Unique architectures scored by the search.</summary>
    public int Evaluations = 100;

    /// <summary>Optional wall-time limit of the search.</summary>
    public TimeSpan? SearchTimeBudget;

    /// <summary>
    /// Optional wall-time limit of the whole Fit, search and training together ("the best model you can in 8 minutes"):
    /// the search gets at most a quarter of it (or <see cref="SearchTimeBudget"/> when shorter), the final training what
    /// is left, ending sooner than <see cref="Epoch"/> with its learning-rate schedule re-planned when the epochs do not
    /// fit (a warning says so). At least one epoch is trained. The result then depends on the machine's speed.
    /// </summary>
    public TimeSpan? TimeBudget;

    /// <summary>Images in the proxy batch.</summary>
    public int ProxyBatchSize = 64;

    /// <summary>Optional upper bound on multiply-accumulates per image; larger candidates are rejected during the search.</summary>
    public long? MaxMultiplyAccumulates;

    /// <summary>
    /// Noise-aware choice among the search's final candidates, still without training: the best this many by the score
    /// are scored again under <see cref="RescoringRepeats"/> other weight initialisations, and the one that ranks highest
    /// with each proxy averaged over its measurements is the search's answer (<c>GaNas.Search.FinalistRescoring</c>).
    /// Null (the default): with the default <see cref="Score"/>, the space's default (the best 10 under 4 more
    /// initialisations on <see cref="NasSearchSpace.Topology"/>, off on <see cref="NasSearchSpace.Size"/>; docs/scores.md),
    /// with a score named otherwise off; 1: off.
    /// </summary>
    public int? RescoredFinalists;

    /// <summary>Weight initialisations each re-scored finalist is scored again under (seeds Seed + 1, Seed + 2, ...).</summary>
    public int RescoringRepeats = 4;

    /// <summary>Best-scored architectures trained briefly before choosing (1 = the paper: no training during the search).</summary>
    public int Finalists = 1;

    /// <summary>Epochs of each finalist's brief training.</summary>
    public int FinalistEpochs = 1;

    /// <summary>Epochs of the final training.</summary>
    public int Epoch = 10;

    /// <summary>Images per SGD step.</summary>
    public int BatchSize = 128;

    /// <summary>Initial learning rate of the cosine schedule.</summary>
    public double LearningRate = 0.1;

    /// <summary>SGD momentum (Nesterov).</summary>
    public double Momentum = 0.9;

    /// <summary>Weight decay.</summary>
    public double WeightDecay = 5e-4;

    /// <summary>Label smoothing (0 = off).</summary>
    public double LabelSmoothing;

    /// <summary>
    /// Data-parallel lanes of the final training (and the finalists'): each lane trains one part of every batch on one
    /// libtorch thread of its own (<see cref="TrainingOptions.Lanes"/>, where its effect on batch norm is described).
    /// Null: on the CPU, one lane per libtorch thread (<see cref="NumberOfThreads"/>) when each lane gets at least
    /// <see cref="MinimumImagesPerTrainingLane"/> images of a batch, else (and on a GPU) 1: one pass over the whole batch.
    /// At most one lane per 2 images of the batch as trained. The lane count changes the trained weights (batch norm),
    /// so a training checkpoint resumes only with the same count.
    /// </summary>
    public int? TrainingLanes;

    /// <summary>Fewest images of a batch a lane trains on when <see cref="TrainingLanes"/> is null.</summary>
    public const int MinimumImagesPerTrainingLane = 32;

    /// <summary>Random-crop padding in pixels (0 = no cropping).</summary>
    public int CropPadding = 4;

    /// <summary>Random horizontal flips (turn off for images whose meaning changes when mirrored).</summary>
    public bool HorizontalFlip = true;

    /// <summary>Fraction of the training data held out to pick the best epoch (ignored when <see cref="ValidationSet"/> is given).</summary>
    public double ValidationSetFraction = 0.1;

    /// <summary>
    /// Validation rows to pick the best epoch on, instead of a <see cref="ValidationSetFraction"/> split: the same
    /// columns as the training data, already through the pipeline before this trainer (as for ML.NET's
    /// ImageClassification trainer), and the same label key type.
    /// </summary>
    public IDataView? ValidationSet;

    /// <summary>
    /// A file the final training checkpoints to after every epoch, and resumes from when it exists (null = none); the
    /// search's outcome goes next to it (<c>&lt;path&gt;.search.json</c>). A killed Fit run again with the same data and
    /// options takes the architecture from that file instead of searching again, continues training from the last
    /// finished epoch and ends with the model an uninterrupted run would have. A file from other data or options is
    /// refused naming what differs. Delete both to start over.
    /// </summary>
    public string? TrainingCheckpointPath;

    /// <summary>Stops the final training when validation accuracy stops improving (null = train every epoch).</summary>
    public TrainingFreeNasEarlyStopping? EarlyStoppingCriteria;

    /// <summary>
    /// When the training data give too few SGD steps (see <see cref="SmallDataRule"/>), shrink the batch and add
    /// epochs instead of training a chance-level model; the change is logged and listed in the summary's warnings.
    /// False keeps <see cref="BatchSize"/> and <see cref="Epoch"/> as given and only warns.
    /// </summary>
    public bool AdaptToSmallData = true;

    /// <summary>
    /// Seed of everything random: same seed, same model. Null (the default) takes one from the MLContext the trainer
    /// was created on, so <c>new MLContext(seed: 1)</c> gives the same model every run and another context seed another one.
    /// </summary>
    public int? Seed;

    /// <summary>libtorch intra-op threads (null = one per core), as ML.NET trainers' NumberOfThreads.</summary>
    public int? NumberOfThreads;

    /// <summary>
    /// Architectures scored at once during the search, each on its own thread; the intra-op threads are
    /// divided among them (two one-thread workers use two cores better than one two-thread evaluation).
    /// The search proposes and ranks exactly as with one worker; values differ only by float32 rounding
    /// when the intra-op thread count changes.
    /// </summary>
    public int SearchWorkers = 1;

    /// <summary>
    /// Where the search's proxy evaluations run: null (default) in this process, on <see cref="SearchWorkers"/> threads;
    /// a cluster's scorer factory (GaNas.Orleans' <c>OrleansEvaluationCluster</c>) runs them on the cluster's silos, with
    /// as many in flight as the cluster has lanes (or <see cref="SearchWorkers"/>, when larger). Results are applied in
    /// proposal order either way, so the search's trials and its answer are the same.
    /// </summary>
    public IProxyScorerFactory? SearchScorer;

    /// <summary>"cpu", "cuda" or "auto" (cuda when a CUDA backend is present).</summary>
    public string Device = "auto";

    /// <summary>Receives search and training progress.</summary>
    public IProgress<TrainingFreeNasProgress>? Progress;

    /// <summary>Called after every training epoch (as ImageClassificationTrainer's MetricsCallback).</summary>
    public Action<EpochMetrics>? MetricsCallback;

    /// <summary>Cancels the search or the training.</summary>
    public CancellationToken CancellationToken;

    /// <summary>The intra-op thread count the trainer sets.</summary>
    internal int ThreadCount => NumberOfThreads ?? Environment.ProcessorCount;

    /// <summary>
    /// The lanes a training in batches of <paramref name="batchSize"/> uses: <see cref="TrainingLanes"/> when set, else one
    /// per libtorch thread when every lane gets <see cref="MinimumImagesPerTrainingLane"/> images and the device is the
    /// CPU (a GPU gains nothing from lanes), else 1; never more than one per 2 images of the batch as trained (the
    /// small-data rule can lower the batch).
    /// </summary>
    internal int LanesFor(int batchSize, bool onCpu)
    {
        int threads = Math.Min(ThreadCount, Environment.ProcessorCount);
        int lanes = TrainingLanes ?? (onCpu && threads > 1 && batchSize / MinimumImagesPerTrainingLane >= threads ? threads : 1);
        return Math.Clamp(lanes, 1, Math.Max(1, batchSize / 2));
    }

    internal TrainingOptions ToTrainingOptions(int epochs, int batchSize, int seed, string? checkpoint = null, TimeSpan? timeBudget = null, InputNormalization? normalization = null, bool onCpu = true) => new()
    {
        Normalization = normalization,
        Epochs = epochs,
        BatchSize = batchSize,
        LearningRate = LearningRate,
        Momentum = Momentum,
        Nesterov = true,
        WeightDecay = WeightDecay,
        LabelSmoothing = LabelSmoothing,
        CropPadding = CropPadding,
        HorizontalFlip = HorizontalFlip,
        ValidationFraction = ValidationSet is null ? ValidationSetFraction : 0,
        Seed = seed,
        EarlyStoppingPatience = EarlyStoppingCriteria?.Patience ?? 0,
        EarlyStoppingMinDelta = EarlyStoppingCriteria?.MinDelta ?? 0,
        CheckpointPath = checkpoint,
        TimeBudget = timeBudget,
        Lanes = LanesFor(batchSize, onCpu),
    };

    /// <summary>Throws naming the first invalid option; called when the trainer is created, before any data is read.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(LabelColumnName)) throw new ArgumentException("LabelColumnName is empty.", nameof(LabelColumnName));
        if (string.IsNullOrWhiteSpace(FeatureColumnName)) throw new ArgumentException("FeatureColumnName is empty.", nameof(FeatureColumnName));
        if (ImageChannels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(ImageChannels), ImageChannels, "Images have 1 (grey) or 3 (RGB) channels.");
        if (ImageHeight < 4 || ImageWidth < 4) throw new ArgumentOutOfRangeException(nameof(ImageHeight), $"{ImageHeight}x{ImageWidth}", "Images must be at least 4x4 (two stride-2 reductions).");
        if (ImageHeight > TrainingFreeNasLimits.MaxImageSide || ImageWidth > TrainingFreeNasLimits.MaxImageSide)
            throw new ArgumentOutOfRangeException(nameof(ImageHeight), $"{ImageHeight}x{ImageWidth}", $"Images are at most {TrainingFreeNasLimits.MaxImageSide}x{TrainingFreeNasLimits.MaxImageSide}.");
        if (Channels is < 1 or > TrainingFreeNasLimits.MaxChannels) throw new ArgumentOutOfRangeException(nameof(Channels), Channels, $"Channels lie in 1..{TrainingFreeNasLimits.MaxChannels}.");
        if (CellsPerStage is < 0 or > TrainingFreeNasLimits.MaxCellsPerStage) throw new ArgumentOutOfRangeException(nameof(CellsPerStage), CellsPerStage, $"Cells per stage lie in 0..{TrainingFreeNasLimits.MaxCellsPerStage}.");
        if (Evaluations < 1) throw new ArgumentOutOfRangeException(nameof(Evaluations), Evaluations, "Score at least one architecture.");
        if (Evaluations > Space.Size)
            throw new ArgumentOutOfRangeException(nameof(Evaluations), Evaluations, $"The {Space.Name} space has only {Space.Size:N0} architectures; Evaluations counts unique ones.");
        if (SearchTimeBudget is { } budget && !(budget > TimeSpan.Zero))
            throw new ArgumentOutOfRangeException(nameof(SearchTimeBudget), budget, "The search time budget must be positive (null = none).");
        if (TimeBudget is { } total && !(total > TimeSpan.Zero))
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), total, "The time budget must be positive (null = none).");
        if (MaxMultiplyAccumulates is < 1) throw new ArgumentOutOfRangeException(nameof(MaxMultiplyAccumulates), MaxMultiplyAccumulates, "The MAC budget must be positive (null = none).");
        if (ProxyBatchSize < 2) throw new ArgumentOutOfRangeException(nameof(ProxyBatchSize), ProxyBatchSize, "The proxy batch needs at least 2 images.");
        if (SearchWorkers < 1) throw new ArgumentOutOfRangeException(nameof(SearchWorkers), SearchWorkers, "At least one search worker.");
        if (NumberOfThreads is { } threads && threads is < 1 or > TrainingFreeNasLimits.MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), threads, $"Between 1 and {TrainingFreeNasLimits.MaxThreads} threads (null = one per core).");
        if (TrainingLanes is { } lanes && BatchSize >= 2 && (lanes < 1 || lanes > BatchSize / 2))
            throw new ArgumentOutOfRangeException(nameof(TrainingLanes), lanes, $"Between 1 and {BatchSize / 2} training lanes for batches of {BatchSize} (each lane needs 2 images for batch norm; null = one per thread).");
        if (RescoredFinalists is < 1) throw new ArgumentOutOfRangeException(nameof(RescoredFinalists), RescoredFinalists, "At least one re-scored finalist (1 = off; null = the space's default).");
        if (RescoredFinalists is { } rescored && rescored > Evaluations)
            throw new ArgumentOutOfRangeException(nameof(RescoredFinalists), rescored, $"{rescored} re-scored finalists cannot come out of {Evaluations} evaluations.");
        if (RescoringRepeats is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(RescoringRepeats), RescoringRepeats, "Between 1 and 64 re-scoring repeats.");
        if (Finalists < 1) throw new ArgumentOutOfRangeException(nameof(Finalists), Finalists, "At least one finalist.");
        if (Finalists > Evaluations) throw new ArgumentOutOfRangeException(nameof(Finalists), Finalists, $"{Finalists} finalists cannot come out of {Evaluations} evaluations.");
        if (FinalistEpochs < 1) throw new ArgumentOutOfRangeException(nameof(FinalistEpochs), FinalistEpochs, "Finalists train at least one epoch.");
        if (EarlyStoppingCriteria is { } stop)
        {
            if (stop.Patience < 1) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingCriteria), stop.Patience, "Early-stopping patience is at least one epoch.");
            if (stop.MinDelta is < 0 or >= 1 || double.IsNaN(stop.MinDelta)) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingCriteria), stop.MinDelta, "The early-stopping minimum gain lies in [0, 1).");
            if (ValidationSet is null && ValidationSetFraction == 0)
                throw new ArgumentException("Early stopping needs validation data: set ValidationSetFraction above 0 or pass a ValidationSet.", nameof(EarlyStoppingCriteria));
        }
        ToTrainingOptions(Epoch, BatchSize, 0).Validate();
        if (Architecture is not null)
        {
            try
            {
                Space.Parse(Architecture);
            }
            catch (ArchitectureFormatException ex)
            {
                throw new ArgumentException($"Architecture: {ex.Message}", nameof(Architecture), ex);
            }
        }
        if (Device is null || !new[] { "cpu", "cuda", "auto" }.Contains(Device.Trim().ToLowerInvariant()))
            throw new ArgumentException($"Unknown device '{Device}'; expected \"cpu\", \"cuda\" or \"auto\".", nameof(Device));
        if (!GaNas.Search.Strategies.StrategyRegistry.Contains(StrategyKey))
            throw new ArgumentException($"Unknown strategy '{StrategyKey}'; registered: {string.Join(", ", GaNas.Search.Strategies.StrategyRegistry.Names)}.", nameof(StrategyName));
        ParseScore();
    }

    /// <summary>The score the options name; unknown names list the named scores and the proxies.</summary>
    internal Scoring.HybridScore ParseScore()
    {
        string known = $"named scores: default, {string.Join(", ", Scoring.HybridScore.Named.Keys)}; proxies: {string.Join(", ", GaNas.Proxies.ProxyRegistry.Names)}";
        Scoring.HybridScore score;
        try
        {
            score = Scoring.HybridScore.Parse(Score ?? throw new ArgumentNullException(nameof(Score), "Score is null; " + known + "."), Space);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Score '{Score}' cannot be read: {ex.Message} Known {known}.", nameof(Score), ex);
        }
        string[] unknown = score.Proxies.Where(p => !GaNas.Proxies.ProxyRegistry.Contains(p)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Score '{Score}' names unknown prox{(unknown.Length == 1 ? "y" : "ies")} {string.Join(", ", unknown.Select(u => "'" + u + "'"))}; known {known}.", nameof(Score));
        return score;
    }
}

/// <summary>When the final training stops early (<see cref="TrainingFreeNasOptions.EarlyStoppingCriteria"/>).</summary>
public sealed class TrainingFreeNasEarlyStopping
{
    /// <summary>Epochs without a validation-accuracy gain of more than <see cref="MinDelta"/> before training stops.</summary>
    public int Patience = 5;

    /// <summary>The smallest validation-accuracy gain (a fraction: 0.001 = 0.1 points) that counts as an improvement.</summary>
    public double MinDelta;
}

/// <summary>Progress of <see cref="TrainingFreeNasTrainer"/>: a search step or a training epoch.</summary>
/// <param name="Phase">"search", "finalists" or "training".</param>
/// <param name="Done">Steps done in the phase (evaluations or epochs).</param>
/// <param name="Total">Steps of the phase.</param>
/// <param name="Message">What happened.</param>
public sealed record TrainingFreeNasProgress(string Phase, int Done, int Total, string Message);
