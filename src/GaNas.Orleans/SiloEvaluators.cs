using System.Diagnostics;
using GaNas.Proxies;
using GaNas.Runtime;
using GaNas.SearchSpaces;
using Microsoft.Extensions.Options;

namespace GaNas.Orleans;

/// <summary>
/// One silo's evaluation service, shared by all its worker-grain activations: the evaluators built from specs (at most
/// <see cref="GaNasWorkerOptions.MaxSpecs"/>, least recently used idle one evicted) and the lanes, a limit on how many
/// evaluations run at once whatever the number of clients. Evaluations run on pool threads, off Orleans' scheduler.
/// </summary>
internal sealed class SiloEvaluators : IDisposable
{
    private readonly GaNasWorkerOptions _options;
    private readonly SemaphoreSlim _lanes;
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _clock;

    public SiloEvaluators(IOptions<GaNasWorkerOptions> options)
    {
        _options = options.Value;
        _options.Validate();
        Lanes = _options.EffectiveLanes;
        _lanes = new SemaphoreSlim(Lanes, Lanes);
    }

    /// <summary>Evaluations run at once.</summary>
    public int Lanes { get; }

    /// <summary>Evaluations computed by this silo.</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    private long _evaluations;

    /// <summary>Awaited at the start of every evaluation on a lane: lets tests stop a silo while it is evaluating.</summary>
    internal Func<Task>? BeforeEvaluation { get; set; }

    /// <summary>Scores the request's architecture, or returns null when the spec is neither held nor attached.</summary>
    public async Task<ProxyScores?> EvaluateAsync(EvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Entry? entry = Acquire(request);
        if (entry is null) return null;
        try
        {
            Genome genome = entry.Owned.Evaluator.Space.Parse(request.Architecture);
            await _lanes.WaitAsync().ConfigureAwait(false);
            try
            {
                if (BeforeEvaluation is { } hook) await hook().ConfigureAwait(false);
                ProxyScores scores = await Task.Run(() => entry.Owned.Evaluator.Evaluate(genome)).ConfigureAwait(false);
                Interlocked.Increment(ref _evaluations);
                return scores;
            }
            finally
            {
                _lanes.Release();
            }
        }
        finally
        {
            Release(entry);
        }
    }

    /// <summary>Ends one use of an entry; once the silo is stopping, the last user disposes it.</summary>
    private void Release(Entry entry)
    {
        bool dispose;
        lock (_gate)
        {
            entry.InUse--;
            dispose = _disposed && entry.InUse == 0 && entry.Detached;
            if (dispose) entry.Detached = false;
        }
        if (dispose) entry.Owned.Dispose();
    }

    private Entry? Acquire(EvaluationRequest request)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_entries.TryGetValue(request.Key, out Entry? held))
            {
                held.InUse++;
                held.LastUsed = ++_clock;
                return held;
            }
        }
        if (request.Spec is not { } spec) return null;
        if (spec.Key != request.Key) throw new InvalidDataException($"The request names spec {request.Key} but carries spec {spec.Key}.");
        if (spec.ApproximateBytes > _options.MaxSpecBytes)
            throw new InvalidDataException($"Evaluation spec {spec.Key} carries {spec.ApproximateBytes:N0} bytes, more than this worker's limit of {_options.MaxSpecBytes:N0} (GaNasWorkerOptions.MaxSpecBytes).");
        if (spec.ComputeKey() != spec.Key) throw new InvalidDataException($"Evaluation spec {spec.Key}: its key is not the hash of its settings and fingerprint.");
        OwnedEvaluator built = spec.Build();
        lock (_gate)
        {
            if (_disposed)
            {
                built.Dispose();
                throw new ObjectDisposedException(nameof(SiloEvaluators));
            }
            if (_entries.TryGetValue(spec.Key, out Entry? raced))
            {
                built.Dispose();
                raced.InUse++;
                raced.LastUsed = ++_clock;
                return raced;
            }
            var entry = new Entry(built) { InUse = 1, LastUsed = ++_clock };
            _entries[spec.Key] = entry;
            EvictIdleBeyondLimit();
            return entry;
        }
    }

    private void EvictIdleBeyondLimit()
    {
        while (_entries.Count > _options.MaxSpecs)
        {
            var idle = _entries.Where(e => e.Value.InUse == 0).OrderBy(e => e.Value.LastUsed).FirstOrDefault();
            if (idle.Value is null) return; // every held spec is in use: evicted once idle, at a later insertion
            _entries.Remove(idle.Key);
            idle.Value.Owned.Dispose();
        }
    }

    /// <summary>Disposes the idle evaluators now and each one in use when its evaluation ends (the lanes' semaphore is left to the GC).</summary>
    public void Dispose()
    {
        var idle = new List<Entry>();
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (Entry e in _entries.Values)
            {
                if (e.InUse == 0) idle.Add(e);
                else e.Detached = true;
            }
            _entries.Clear();
        }
        foreach (Entry e in idle) e.Owned.Dispose();
    }

    private bool _disposed;

    private sealed class Entry(OwnedEvaluator owned)
    {
        public OwnedEvaluator Owned { get; } = owned;

        public int InUse { get; set; }

        public long LastUsed { get; set; }

        /// <summary>Removed from the table while in use: its last user disposes it.</summary>
        public bool Detached { get; set; }
    }
}
