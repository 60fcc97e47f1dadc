using GaNas.Runtime;

namespace GaNas.MLNet;

/// <summary>
/// Splits a scoring batch into chunks and runs them at once on <see cref="TorchLanes"/> (dedicated threads that each
/// use one libtorch thread), as many lanes as libtorch threads are configured. The chunks give the same numbers as one
/// pass: a row's values do not depend on how many threads computed them. A chunk holds at least
/// <see cref="MinimumRowsPerLane"/> rows (libtorch computes smaller batches with other kernels).
/// </summary>
internal static class ScoringLanes
{
    /// <summary>Fewest rows a lane computes.</summary>
    internal const int MinimumRowsPerLane = 16;

    private static long _chunksOnLanes;

    /// <summary>Chunks run on lanes in this process so far (a batch scored on the calling thread adds none).</summary>
    internal static long ChunksOnLanes => Interlocked.Read(ref _chunksOnLanes);

    /// <summary>
    /// How many lanes a batch of <paramref name="rows"/> rows uses: the configured libtorch thread count
    /// (<see cref="TorchRuntime.ConfiguredThreads"/>), not the calling thread's own, which for a pool thread that ML.NET's
    /// cursors run on is whatever that thread first saw.
    /// </summary>
    internal static int LaneCount(int rows) => Math.Clamp(Math.Min(TorchRuntime.ConfiguredThreads, rows / MinimumRowsPerLane), 1, Environment.ProcessorCount);

    /// <summary>
    /// Runs <paramref name="chunk"/>(start, count) over consecutive parts of <paramref name="rows"/> rows, one per lane
    /// (<paramref name="lanes"/>, at most one per <see cref="MinimumRowsPerLane"/> rows), and returns their results in row
    /// order. One lane: on the calling thread. A failure is the first failing chunk's.
    /// </summary>
    public static T[] Run<T>(int rows, int lanes, Func<int, int, T> chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        lanes = Math.Clamp(Math.Min(lanes, rows / MinimumRowsPerLane), 1, Environment.ProcessorCount);
        if (lanes == 1) return [chunk(0, rows)];
        return TorchLanes.Run(lanes, k =>
        {
            Interlocked.Increment(ref _chunksOnLanes);
            var (start, count) = TorchLanes.Part(rows, lanes, k);
            return chunk((int)start, (int)count);
        });
    }
}
