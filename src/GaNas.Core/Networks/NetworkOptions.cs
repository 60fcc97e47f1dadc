namespace GaNas.Networks;

/// <summary>
/// Skeleton and construction options of a NATS-Bench network. Defaults reproduce the benchmark's
/// CIFAR-10 TSS network (C=16, N=5, 10 classes, RGB input); users may shrink the skeleton for CPU.
/// </summary>
public sealed class NetworkOptions
{
    /// <summary>Number of output classes of the classifier.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Width C of the first stage (TSS; SSS takes its widths from the genome).</summary>
    public int Channels { get; init; } = 16;

    /// <summary>Cells per stage N (5 for TSS and 1 for SSS in the benchmark).</summary>
    public int CellsPerStage { get; init; } = 5;

    /// <summary>Channels of the input image (3 for RGB, 1 for greyscale).</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>
    /// Whether batch normalisation layers are present. False replaces every BatchNorm2d by an
    /// identity, as (Log)SynFlow requires.
    /// </summary>
    public bool UseBatchNorm { get; init; } = true;

    /// <summary>Seed of the parameter initialisation; same seed, same weights.</summary>
    public int Seed { get; init; }

    /// <summary>Returns a copy with other values for some options.</summary>
    public NetworkOptions With(int? classes = null, int? channels = null, int? cellsPerStage = null, int? inputChannels = null, bool? useBatchNorm = null, int? seed = null) => new()
    {
        Classes = classes ?? Classes,
        Channels = channels ?? Channels,
        CellsPerStage = cellsPerStage ?? CellsPerStage,
        InputChannels = inputChannels ?? InputChannels,
        UseBatchNorm = useBatchNorm ?? UseBatchNorm,
        Seed = seed ?? Seed,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Classes < 1) throw new ArgumentOutOfRangeException(nameof(Classes), Classes, "A network needs at least one class.");
        if (Channels < 1) throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "Channels must be positive.");
        if (CellsPerStage < 0) throw new ArgumentOutOfRangeException(nameof(CellsPerStage), CellsPerStage, "Cells per stage cannot be negative.");
        if (InputChannels < 1) throw new ArgumentOutOfRangeException(nameof(InputChannels), InputChannels, "Input channels must be positive.");
    }
}

/// <summary>One layer of a network's body: a cell, or a stride-2 residual reduction block.</summary>
/// <param name="IsReduction">True for a reduction block.</param>
/// <param name="Width">Output channels of the layer.</param>
public readonly record struct StageLayer(bool IsReduction, int Width)
{
    /// <summary>A cell with <paramref name="width"/> output channels.</summary>
    public static StageLayer Cell(int width) => new(false, width);

    /// <summary>A reduction block with <paramref name="width"/> output channels.</summary>
    public static StageLayer Reduction(int width) => new(true, width);
}
