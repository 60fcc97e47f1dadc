namespace GaNas.Training;

/// <summary>
/// Final training of the chosen network: SGD with (Nesterov) momentum, weight decay, a cosine
/// learning-rate schedule, optional label smoothing, random-crop and flip augmentation, and a
/// validation split that reports accuracy per epoch and keeps the best weights.
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per SGD step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Initial learning rate of the cosine schedule (it decays to 0 at the last step).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; init; } = true;

    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Label smoothing of the cross-entropy loss (0 = off).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Zero padding of the random-crop augmentation in pixels (0 = no cropping).</summary>
    public int CropPadding { get; init; } = 4;

    /// <summary>Random horizontal flips.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Fraction of the data held out for validation (0 = none: the last epoch's weights are kept).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Seed of the split, the batch order and the augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Stop after this many epochs without a validation-accuracy gain of more than <see cref="EarlyStoppingMinDelta"/>
    /// (0 = never stop early). Needs validation data; the best epoch's weights are kept either way.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>
    /// Wall time the training may take (null = none). After every epoch the epochs that still fit are estimated from
    /// the mean epoch time; when fewer than planned fit, the run ends sooner and the cosine schedule is re-planned to
    /// reach zero at the new last epoch. Results then depend on the machine's speed.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// A file to checkpoint the training to after every epoch and to resume from when it exists (null = none): a killed
    /// run continues from its last finished epoch and ends with the weights an uninterrupted run would have.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>The smallest validation-accuracy gain (a fraction, e.g. 0.001) that counts as an improvement for early stopping.</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>
    /// Whether the training runs channels-last (NHWC batches and convolution weights, which libtorch's oneDNN kernels
    /// keep through the network) instead of NCHW. On by default: on an AVX-512 CPU (AMD EPYC, oneDNN 3.7.1 in libtorch
    /// 2.10) the NCHW float32 3x3 convolutions with fewer than 16 channels return wrong gradients, NaN at times, while
    /// the channels-last ones match a float64 reference (ConvolutionGradientTests; docs/architecture.md). False keeps
    /// NCHW, for comparisons on other machines.
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>
    /// Whether the cells run the ReLU-Conv-BN edges that read the same node as one wider convolution while training
    /// (on by default): the same network, parameters and running statistics, equal to the unfused path up to float32
    /// rounding, in fewer and larger kernels (<c>ganas bench-train --baseline</c> measures both; docs/performance.md).
    /// </summary>
    public bool FuseCellEdges { get; init; } = true;

    /// <summary>
    /// How many data-parallel lanes train each batch (1, the default: one pass over the whole batch, its operators split
    /// over libtorch's threads). With n &gt; 1, each of n <see cref="Runtime.TorchLanes"/> (one libtorch thread each) runs
    /// the forward and backward pass of one n-th of the batch on its own replica of the network; the gradients are
    /// combined in a fixed order and one optimiser step updates every replica. Mathematically the same step, except that
    /// each batch norm normalises over its lane's part of the batch ("ghost" batch norm), and the running statistics are
    /// the average of the lanes'. Needs a <see cref="Networks.CellNetwork"/> and at least 2 images per lane; set it to
    /// the number of cores (<c>ganas bench-train --lanes</c> measures it; docs/performance.md).
    /// </summary>
    public int Lanes { get; init; } = 1;

    /// <summary>
    /// Normalisation applied to every batch as it is gathered, when the images are given raw (for example uint8 pixels);
    /// null when the images are already normalised float32.
    /// </summary>
    public InputNormalization? Normalization { get; init; }

    /// <summary>Throws naming the first invalid option.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Train at least one epoch.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch norm needs batches of at least 2 images.");
        if (Lanes < 1) throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, "Train on at least one lane.");
        if (BatchSize < 2 * Lanes) throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, $"Batch norm needs at least 2 images per lane: a batch of {BatchSize} allows at most {BatchSize / 2} lanes.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive.");
        if (Momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum lies in [0, 1).");
        if (WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay cannot be negative.");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "Label smoothing lies in [0, 1).");
        if (CropPadding < 0) throw new ArgumentOutOfRangeException(nameof(CropPadding), CropPadding, "Padding cannot be negative.");
        if (ValidationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "The validation fraction lies in [0, 1).");
        if (TimeBudget is { } budget && !(budget > TimeSpan.Zero)) throw new ArgumentOutOfRangeException(nameof(TimeBudget), budget, "The training time budget must be positive (null = none).");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Early-stopping patience cannot be negative (0 = off).");
        if (EarlyStoppingMinDelta is < 0 or >= 1 || double.IsNaN(EarlyStoppingMinDelta)) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingMinDelta), EarlyStoppingMinDelta, "The early-stopping minimum gain lies in [0, 1).");
    }
}

/// <summary>One epoch of training.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss.</param>
/// <param name="TrainAccuracy">Training accuracy (on augmented batches).</param>
/// <param name="ValidationAccuracy">Validation accuracy, NaN without a validation split.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationAccuracy, double LearningRate, double Seconds);

/// <summary>The result of a training run.</summary>
/// <param name="Curve">Metrics per epoch.</param>
/// <param name="BestEpoch">Epoch whose weights were kept.</param>
/// <param name="BestValidationAccuracy">Its validation accuracy (NaN without validation).</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Completed">False when cancellation stopped training early.</param>
/// <param name="StoppedEarly">True when early stopping ended training before the last epoch.</param>
/// <param name="TimeLimitedEpochs">The epochs the time budget allowed when it cut the planned ones, else null.</param>
public sealed record TrainingReport(IReadOnlyList<EpochMetrics> Curve, int BestEpoch, double BestValidationAccuracy, double Seconds, bool Completed,
    bool StoppedEarly = false, int? TimeLimitedEpochs = null);
