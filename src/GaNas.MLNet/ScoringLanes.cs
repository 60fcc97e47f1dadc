using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using GaNas.Runtime;
using TorchSharp;

namespace GaNas.MLNet;

/// <summary>
/// Splits a scoring batch into chunks and runs them at once on dedicated threads ("lanes") that each use one libtorch
/// thread, as many lanes as libtorch threads are configured. On a CPU, single-threaded forward passes over
/// a part of the batch each, side by side, finish sooner than one pass over the whole batch whose operators are
/// split across the same cores (each operator ends with its threads waiting for one another), and they give the same
/// numbers: a row's values do not depend on how many threads computed them. A chunk holds at least
/// <see cref="MinimumRowsPerLane"/> rows (libtorch computes smaller batches with other kernels).
/// </summary>
/// <remarks>
/// libtorch's <c>set_num_threads</c> changes the calling thread's OpenMP setting and also the process-wide count that
/// threads new to libtorch start from. A lane sets one thread for itself once, when it starts, and puts the
/// process-wide count back from a short-lived thread, so no other thread's setting changes.
/// </remarks>
internal static class ScoringLanes
{
    /// <summary>Fewest rows a lane computes.</summary>
    internal const int MinimumRowsPerLane = 16;

    private static readonly object Gate = new();
    private static long _chunksOnLanes;

    /// <summary>Chunks run on lanes in this process so far (a batch scored on the calling thread adds none).</summary>
    internal static long ChunksOnLanes => Interlocked.Read(ref _chunksOnLanes);
    private static readonly List<Lane> Lanes = [];

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
        var pending = new Task<T>[lanes];
        lock (Gate)
        {
            while (Lanes.Count < lanes) Lanes.Add(new Lane(Lanes.Count));
            for (int k = 0; k < lanes; k++)
            {
                int start = (int)((long)rows * k / lanes), end = (int)((long)rows * (k + 1) / lanes);
                pending[k] = Lanes[k].Post(() => chunk(start, end - start));
            }
        }
        var results = new T[lanes];
        ExceptionDispatchInfo? first = null;
        for (int k = 0; k < lanes; k++)
        {
            try
            {
                results[k] = pending[k].GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                first ??= ExceptionDispatchInfo.Capture(ex);
            }
        }
        first?.Throw();
        return results;
    }

    private sealed class Lane
    {
        private readonly BlockingCollection<Action> _work = [];

        /// <summary>Starts the lane's thread and returns once it has set its own thread count (lanes start one at a time).</summary>
        public Lane(int index)
        {
            using var ready = new ManualResetEventSlim();
            var thread = new Thread(() => Serve(ready)) { IsBackground = true, Name = $"GaNas scoring lane {index}" };
            thread.Start();
            ready.Wait();
        }

        public Task<T> Post<T>(Func<T> work)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                try
                {
                    Interlocked.Increment(ref _chunksOnLanes);
                    done.SetResult(work());
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            });
            return done.Task;
        }

        private void Serve(ManualResetEventSlim ready)
        {
            // Two lanes starting at once could each read the other's 1 as the process-wide count; the constructor waits
            // for this one to finish, and lanes are created under the class's lock, so they start one after another.
            int processWide = torch.get_num_threads();  // a thread's first call takes the process-wide count
            torch.set_num_threads(1);
            var restore = new Thread(() => torch.set_num_threads(processWide)) { IsBackground = true };
            restore.Start();
            restore.Join();
            ready.Set();
            foreach (Action work in _work.GetConsumingEnumerable()) work();
        }
    }
}
