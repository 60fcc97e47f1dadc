using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;

namespace GaNas.Runtime;

/// <summary>
/// Dedicated threads ("lanes") that each run libtorch with one thread of its own. On a CPU, single-threaded passes
/// over a part of the work each, side by side, finish sooner than one pass whose operators are split across the same
/// cores (each small operator ends with its threads waiting for one another). Batched scoring runs a batch's chunks on
/// them; the trainer runs a batch's parts on them (<see cref="Training.TrainingOptions.Lanes"/>).
/// </summary>
/// <remarks>
/// libtorch's <c>set_num_threads</c> changes the calling thread's OpenMP setting and also the process-wide count that
/// threads new to libtorch start from. A lane sets one thread for itself once, when it starts, and puts the
/// process-wide count back from a short-lived thread, so no other thread's setting changes. Lanes live as long as the
/// process; lane k always runs the k-th item of a <see cref="Run{T}"/>.
/// </remarks>
public static class TorchLanes
{
    private static readonly object Gate = new();
    private static readonly List<Lane> Lanes = [];
    [ThreadStatic]
    private static bool _onLane;

    /// <summary>
    /// The <paramref name="k"/>-th of <paramref name="parts"/> consecutive parts of <paramref name="total"/> items: sizes
    /// differ by at most one, the later parts the larger.
    /// </summary>
    public static (long Start, long Count) Part(long total, int parts, int k)
    {
        long start = total * k / parts, end = total * (k + 1) / parts;
        return (start, end - start);
    }

    /// <summary>
    /// Runs <paramref name="work"/>(k) for k = 0 .. <paramref name="lanes"/> - 1 at once, item k on lane k, and returns
    /// their results in order once all have finished. One lane: on the calling thread. A failure is the first failing
    /// item's, thrown after every item has finished. Called from a lane's own work, the items run one after another on
    /// that lane (a lane cannot wait for itself).
    /// </summary>
    public static T[] Run<T>(int lanes, Func<int, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        if (lanes == 1) return [work(0)];
        if (_onLane) return Enumerable.Range(0, lanes).Select(work).ToArray();
        var pending = new Task<T>[lanes];
        lock (Gate)
        {
            while (Lanes.Count < lanes) Lanes.Add(new Lane(Lanes.Count));
            for (int k = 0; k < lanes; k++)
            {
                int item = k;
                pending[k] = Lanes[k].Post(() => work(item));
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
            var thread = new Thread(() => Serve(ready)) { IsBackground = true, Name = $"GaNas lane {index}" };
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
            _onLane = true;
            ready.Set();
            foreach (Action work in _work.GetConsumingEnumerable()) work();
        }
    }
}
