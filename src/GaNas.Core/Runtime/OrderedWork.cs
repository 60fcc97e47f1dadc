namespace GaNas.Runtime;

/// <summary>
/// Work items started in order, finishing in any order, and handed back in the order they were started: the
/// scheduler behind parallel search workers (<see cref="GaNas.Search.NasExperiment"/>) and parallel proxy tables
/// (<see cref="GaNas.Proxies.ProxyScoring.EvaluateMany"/>). The caller starts items while fewer than its worker
/// count are <see cref="Running"/>, and takes the oldest once it is done; a worker whose item finished behind a slower
/// older one is free at once, and finished items wait in the queue until their turn.
/// </summary>
/// <typeparam name="TTag">What the caller keeps with each item (its settings, for example).</typeparam>
/// <typeparam name="TResult">The items' result.</typeparam>
internal sealed class OrderedWork<TTag, TResult>
{
    private readonly Queue<(TTag Tag, Task<TResult> Work)> _items = new();

    /// <summary>Items started and not yet taken.</summary>
    public int Count => _items.Count;

    /// <summary>Items still running (finished ones waiting for their turn hold no worker).</summary>
    public int Running
    {
        get
        {
            int running = 0;
            foreach (var (_, work) in _items) if (!work.IsCompleted) running++;
            return running;
        }
    }

    /// <summary>Queues a started item.</summary>
    public void Add(TTag tag, Task<TResult> work) => _items.Enqueue((tag, work ?? throw new ArgumentNullException(nameof(work))));

    /// <summary>
    /// Waits until the oldest item is done or, before that, any running item finishes (a worker is free); says whether
    /// the oldest is done, i.e. whether <see cref="Take"/> may be called without waiting.
    /// </summary>
    public async Task<bool> WaitForOldestOrFreeWorkerAsync()
    {
        if (_items.Count == 0) throw new InvalidOperationException("No work is queued.");
        if (_items.Peek().Work.IsCompleted) return true;
        // Snapshot the running items: any of them may finish between the check above and here.
        Task<TResult>[] running = _items.Where(i => !i.Work.IsCompleted).Select(i => i.Work).ToArray();
        if (running.Length > 0) await Task.WhenAny(running).ConfigureAwait(false);
        return _items.Peek().Work.IsCompleted;
    }

    /// <summary>Removes the oldest item (its task may still be running when the caller chooses to await it).</summary>
    public (TTag Tag, Task<TResult> Work) Take() => _items.Dequeue();

    /// <summary>Waits for every queued item and drops them, whatever their outcome (for an abandoned run).</summary>
    public async Task DrainAsync()
    {
        while (_items.Count > 0)
        {
            try
            {
                await _items.Dequeue().Work.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // abandoned: nobody asked for this item's outcome
            }
        }
    }
}
