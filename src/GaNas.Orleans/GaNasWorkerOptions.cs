using GaNas.Runtime;

namespace GaNas.Orleans;

/// <summary>How a silo serves evaluations (<see cref="GaNasWorkerExtensions.AddGaNasWorker"/>).</summary>
public sealed class GaNasWorkerOptions
{
    /// <summary>
    /// Evaluations the silo runs at once; 0 (default) means one per core divided by libtorch's configured threads
    /// (<see cref="TorchRuntime.ConfiguredThreads"/>), so a silo with one-thread evaluations runs one per core.
    /// </summary>
    public int Lanes { get; set; }

    /// <summary>Evaluation specs (image batch and settings) a silo keeps built at once; the least recently used idle one goes first.</summary>
    public int MaxSpecs { get; set; } = 4;

    /// <summary>Largest image batch a spec may carry, in bytes (a request beyond it is refused before anything is built).</summary>
    public long MaxSpecBytes { get; set; } = 64L << 20;

    /// <summary>The lanes a silo with these options uses (<see cref="Lanes"/>, or the default it stands for).</summary>
    public int EffectiveLanes => Lanes > 0 ? Lanes : Math.Max(1, Environment.ProcessorCount / Math.Max(1, TorchRuntime.ConfiguredThreads));

    /// <summary>Throws naming the first invalid option.</summary>
    internal void Validate()
    {
        if (Lanes < 0) throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, "Lanes must be positive, or 0 for one per core.");
        if (MaxSpecs < 1) throw new ArgumentOutOfRangeException(nameof(MaxSpecs), MaxSpecs, "A silo keeps at least one spec.");
        if (MaxSpecBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxSpecBytes), MaxSpecBytes, "The spec size limit must be positive.");
    }
}
