using System.Diagnostics;
using System.Threading.Channels;
using GaNas.Proxies;
using GaNas.Search;
using GaNas.SearchSpaces;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace GaNas.Orleans;

/// <summary>
/// Scores architectures on an Orleans cluster of GaNas workers with the values a local <see cref="ProxyEvaluator"/>
/// computes (the workers rebuild it from its <see cref="EvaluationSpec"/> and check its fingerprint). The scorer finds
/// the cluster's worker silos and keeps one call in flight per lane of each (the call's silo is chosen with a placement
/// hint), so a silo that finishes early takes the next architecture at once. An attempt whose silo is lost or silent
/// (<see cref="ClusterScorerOptions.AttemptTimeout"/>) retires that silo and goes back to the queue for another one, up to
/// <see cref="ClusterScorerOptions.MaxAttempts"/>; silos that join later are found every
/// <see cref="ClusterScorerOptions.RefreshInterval"/>. Callers that need results in order (searches, proxy tables) get
/// them from <see cref="NasExperiment"/> and <see cref="ProxyScoring.EvaluateMany"/>, whatever silo answered first.
/// </summary>
public sealed class ClusterProxyScorer : IProxyScorer, IDisposable
{
    private readonly IClusterClient _client;
    private readonly ProxyEvaluator _local;
    private readonly EvaluationSpec _spec;
    private readonly ClusterScorerOptions _options;
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, ServedSilo> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perSilo = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshNow = new(0);
    private Task _refresher = Task.CompletedTask;
    private DateTime _noWorkerSince = DateTime.MaxValue;
    private int _evaluations, _retries, _specTransfers;
    private double _roundTrip, _worker;

    private ClusterProxyScorer(IClusterClient client, ProxyEvaluator local, ClusterScorerOptions options)
    {
        _client = client;
        _local = local;
        _options = options;
        _spec = EvaluationSpec.From(local);
    }

    /// <summary>
    /// Finds the cluster's workers and returns a scorer for <paramref name="evaluator"/>'s evaluation; throws
    /// <see cref="ClusterEvaluationException"/> when no worker answers.
    /// </summary>
    public static async Task<ClusterProxyScorer> ConnectAsync(IClusterClient client, ProxyEvaluator evaluator, ClusterScorerOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(evaluator);
        options ??= new ClusterScorerOptions();
        options.Validate();
        var scorer = new ClusterProxyScorer(client, evaluator, options);
        if (scorer._spec.ApproximateBytes > options.MaxSpecBytes)
        {
            scorer.Dispose();
            throw new ClusterEvaluationException($"The evaluation's image batch and settings take {scorer._spec.ApproximateBytes:N0} bytes, more than ClusterScorerOptions.MaxSpecBytes ({options.MaxSpecBytes:N0}); use a smaller batch or raise the limit on the clients and the workers (GaNasWorkerOptions.MaxSpecBytes).");
        }
        try
        {
            await scorer.RefreshAsync(ct).ConfigureAwait(false);
            if (scorer.Lanes == 0) throw new ClusterEvaluationException("No GaNas worker in the cluster answered: start one with 'ganas worker' (or a silo with AddGaNasWorker) and check the cluster options.");
            scorer.Concurrency = scorer.Lanes;
            scorer._refresher = Task.Run(scorer.RefreshLoopAsync, CancellationToken.None);
            return scorer;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            scorer.Dispose();
            throw new ClusterEvaluationException($"The cluster's silos could not be listed or described: {ex.Message}", ex);
        }
        catch
        {
            scorer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ISearchSpace Space => _local.Space;

    /// <summary>The local evaluator's fingerprint: the cluster computes its values, so tables and checkpoints resume across the two.</summary>
    public RunFingerprint Fingerprint => _local.Fingerprint;

    /// <summary>The lanes the cluster had when the scorer connected.</summary>
    public int Concurrency { get; private set; }

    /// <summary>Lanes being served now.</summary>
    public int Lanes
    {
        get
        {
            lock (_gate) return _silos.Values.Where(s => !s.Retired).Sum(s => s.Lanes);
        }
    }

    /// <summary>The workers being served now.</summary>
    public IReadOnlyList<WorkerDescription> Workers
    {
        get
        {
            lock (_gate) return _silos.Values.Where(s => !s.Retired).Select(s => s.Description).ToArray();
        }
    }

    /// <summary>What the scorer has done so far.</summary>
    public ClusterScoringStatistics Statistics
    {
        get
        {
            lock (_gate) return new ClusterScoringStatistics(_evaluations, _roundTrip, _worker, _retries, _specTransfers, new Dictionary<string, int>(_perSilo, StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public Task<ProxyScores> ScoreAsync(Genome genome, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(genome);
        ct.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        // A degenerate architecture fails every proxy without a network being built: no need to send it anywhere.
        if (Space.Degeneracy(genome) is not null) return Task.FromResult(_local.Evaluate(genome));
        var item = new WorkItem(genome, Space.Format(genome), ct);
        // A caller that cancels gets its answer at once, queued or in flight (the silo's evaluation is left to finish).
        if (ct.CanBeCanceled)
        {
            var registration = ct.Register(() => item.Completion.TrySetCanceled(ct));
            item.Completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        bool queued = _queue.Writer.TryWrite(item);
        ObjectDisposedException.ThrowIf(!queued, this);
        return item.Completion.Task;
    }

    /// <summary>Stops the lanes; work still queued fails.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _queue.Writer.TryComplete();
        try
        {
            _refresher.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // stopping: the refresher's outcome no longer matters
        }
        while (_queue.Reader.TryRead(out WorkItem? item)) item.Completion.TrySetException(new ObjectDisposedException(nameof(ClusterProxyScorer)));
        // _stop and _refreshNow stay undisposed: a lane finishing its call after this still reads the token.
    }

    private async Task RefreshLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _refreshNow.WaitAsync(_options.RefreshInterval, _stop.Token).ConfigureAwait(false);
                await RefreshAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // the cluster is unreachable for now: keep the lanes there are and look again later
            }
            finally
            {
                if (!_stop.IsCancellationRequested) FailQueuedWorkWhenNoWorkerServes();
            }
        }
    }

    /// <summary>Adds lanes for every active silo that is not served and answers a description request as itself.</summary>
    private async Task RefreshAsync(CancellationToken ct)
    {
        var management = _client.GetGrain<IManagementGrain>(0);
        Dictionary<SiloAddress, SiloStatus> hosts = await management.GetHosts(onlyActive: true, ct).WaitAsync(_options.AttemptTimeout, ct).ConfigureAwait(false);
        foreach (SiloAddress silo in hosts.Keys)
        {
            string name = silo.ToParsableString();
            lock (_gate)
            {
                // A served silo stays; a retired one comes back only after a quarantine, so that a slow silo whose
                // attempt timed out is not handed the retry of the same work at once.
                if (_silos.TryGetValue(name, out ServedSilo? served) && (!served.Retired || DateTime.UtcNow - served.RetiredAt < _options.Quarantine)) continue;
            }
            WorkerDescription? description = await DescribeAsync(silo, ct).ConfigureAwait(false);
            if (description is null || description.Silo != name) continue; // not a GaNas worker, or not reachable as itself
            if (description.ProxyCodeVersion != RunFingerprint.ProxyCodeVersion) continue; // would refuse every spec of this client
            var admitted = new ServedSilo(silo, description);
            lock (_gate)
            {
                if (_stop.IsCancellationRequested) return;
                _silos[name] = admitted;
                _noWorkerSince = DateTime.MaxValue;
            }
            for (int lane = 0; lane < admitted.Lanes; lane++) _ = Task.Run(() => RunLaneAsync(admitted), CancellationToken.None);
        }
    }

    private async Task<WorkerDescription?> DescribeAsync(SiloAddress silo, CancellationToken ct)
    {
        try
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
            var grain = _client.GetGrain<IProxyEvaluationGrain>(silo.ToParsableString());
            return await grain.Describe().WaitAsync(TimeSpan.FromSeconds(Math.Min(10, _options.AttemptTimeout.TotalSeconds)), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or ArgumentException)
        {
            return null; // a silo without the worker grain, or one that is going away
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>One lane: takes the next architecture and scores it on its silo, until the silo is retired or the scorer stops.</summary>
    private async Task RunLaneAsync(ServedSilo silo)
    {
        // Every call this lane makes goes to its silo: the grain is keyed by it, and the hint (carried by the lane's async
        // flow) places that key there.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.Address);
        var grain = _client.GetGrain<IProxyEvaluationGrain>(silo.Name);
        ChannelReader<WorkItem> reader = _queue.Reader;
        try
        {
            while (!silo.Retired && await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                if (silo.Retired || !reader.TryRead(out WorkItem? item)) continue;
                if (item.Completion.Task.IsCompleted) continue; // cancelled by its caller while queued
                if (item.Cancellation.IsCancellationRequested)
                {
                    item.Completion.TrySetCanceled(item.Cancellation);
                    continue;
                }
                var watch = Stopwatch.StartNew();
                try
                {
                    // The silo's first request carries the spec (its other lanes wait for that one); later ones send only the key.
                    bool first = await silo.AwaitSpecOrSendItAsync(_stop.Token).ConfigureAwait(false);
                    if (silo.Retired)
                    {
                        // The silo was lost while this lane waited for its spec: the item goes to another silo, no attempt spent.
                        if (!_queue.Writer.TryWrite(item)) item.Completion.TrySetException(new ObjectDisposedException(nameof(ClusterProxyScorer)));
                        return;
                    }
                    if (first)
                    {
                        lock (_gate) _specTransfers++;
                    }
                    EvaluationReply reply;
                    try
                    {
                        reply = await grain.Evaluate(new EvaluationRequest { Key = _spec.Key, Architecture = item.Architecture, Spec = first ? _spec : null })
                            .WaitAsync(_options.AttemptTimeout, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (first && IsLostAttempt(ex))
                    {
                        Retire(silo); // before the lanes waiting for the spec wake up, so they do not follow it to a lost silo
                        throw;
                    }
                    finally
                    {
                        if (first) silo.SpecSent();
                    }
                    if (reply.NeedsSpec)
                    {
                        // The silo evicted the spec (or was replaced): send it again.
                        lock (_gate) _specTransfers++;
                        reply = await grain.Evaluate(new EvaluationRequest { Key = _spec.Key, Architecture = item.Architecture, Spec = _spec })
                            .WaitAsync(_options.AttemptTimeout, _stop.Token).ConfigureAwait(false);
                        if (reply.NeedsSpec) throw new InvalidOperationException($"Silo {reply.Silo} asked for the evaluation spec it was just sent.");
                    }
                    if (reply.Error is { } error) throw new ClusterEvaluationException($"{item.Architecture}: silo {reply.Silo} could not score it: {error}");
                    Complete(item, reply, watch.Elapsed.TotalSeconds);
                    // The silo left the cluster's active list and the call was placed elsewhere: the answer is good, the lane is not.
                    if (reply.Silo != silo.Name) Retire(silo);
                }
                catch (Exception ex) when (IsLostAttempt(ex) && !_stop.IsCancellationRequested)
                {
                    item.Attempts.Add($"{silo.Name}: {ex.GetType().Name}: {ex.Message}");
                    Retire(silo);
                    if (item.Attempts.Count >= _options.MaxAttempts)
                    {
                        item.Completion.TrySetException(new ClusterEvaluationException(
                            $"{item.Architecture}: not scored after {item.Attempts.Count} attempt(s): {string.Join("; ", item.Attempts)}", ex));
                    }
                    else
                    {
                        lock (_gate) _retries++;
                        if (!_queue.Writer.TryWrite(item)) item.Completion.TrySetException(new ObjectDisposedException(nameof(ClusterProxyScorer)));
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    item.Completion.TrySetException(new ObjectDisposedException(nameof(ClusterProxyScorer)));
                    return;
                }
                catch (Exception ex)
                {
                    // The evaluation itself failed (a malformed spec, say): it would fail on any silo.
                    item.Completion.TrySetException(ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // the scorer is stopping
        }
        catch (ChannelClosedException)
        {
            // the scorer is stopping
        }
    }

    private void Complete(WorkItem item, EvaluationReply reply, double roundTrip)
    {
        if (reply.Names.Length != reply.Values.Length || reply.Names.Length != reply.Failures.Length)
            throw new InvalidDataException($"Silo {reply.Silo} answered {reply.Names.Length} proxy names with {reply.Values.Length} values and {reply.Failures.Length} failure reasons.");
        var values = new Dictionary<string, ProxyValue>(StringComparer.Ordinal);
        for (int i = 0; i < reply.Names.Length; i++) values[reply.Names[i]] = new ProxyValue(reply.Values[i], reply.Failures[i]);
        lock (_gate)
        {
            _evaluations++;
            _roundTrip += roundTrip;
            _worker += reply.Seconds;
            _perSilo[reply.Silo] = _perSilo.GetValueOrDefault(reply.Silo) + 1;
        }
        item.Completion.TrySetResult(new ProxyScores(item.Genome, values, reply.Seconds));
    }

    /// <summary>Stops serving a silo (its lanes end after their current call); the next refresh re-admits it if it answers.</summary>
    private void Retire(ServedSilo silo)
    {
        bool none;
        lock (_gate)
        {
            if (silo.Retired) return;
            silo.Retired = true;
            silo.RetiredAt = DateTime.UtcNow;
            none = _silos.Values.All(s => s.Retired);
            if (none && _noWorkerSince == DateTime.MaxValue) _noWorkerSince = DateTime.UtcNow;
        }
        try
        {
            _refreshNow.Release();
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
    }

    private void FailQueuedWorkWhenNoWorkerServes()
    {
        DateTime since;
        lock (_gate) since = _noWorkerSince;
        if (since == DateTime.MaxValue || DateTime.UtcNow - since < _options.NoWorkerTimeout) return;
        while (_queue.Reader.TryRead(out WorkItem? item))
        {
            item.Completion.TrySetException(new ClusterEvaluationException(
                $"{item.Architecture}: no GaNas worker has served the cluster for {_options.NoWorkerTimeout.TotalSeconds:F0} s{(item.Attempts.Count > 0 ? "; earlier attempts: " + string.Join("; ", item.Attempts) : "")}."));
        }
    }

    /// <summary>An attempt lost with its silo (unreachable, gone, silent), as opposed to an evaluation that failed.</summary>
    private static bool IsLostAttempt(Exception ex) => ex is OrleansException or TimeoutException or System.Net.Sockets.SocketException;

    private sealed class ServedSilo(SiloAddress address, WorkerDescription description)
    {
        public SiloAddress Address { get; } = address;

        public string Name { get; } = address.ToParsableString();

        public WorkerDescription Description { get; } = description;

        public int Lanes => Description.Lanes;

        public volatile bool Retired;

        public DateTime RetiredAt { get; set; } = DateTime.MaxValue;

        private readonly TaskCompletionSource _specSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sender;

        /// <summary>True for the lane that is to send the spec; the others wait until that request has been answered.</summary>
        public async Task<bool> AwaitSpecOrSendItAsync(CancellationToken ct)
        {
            if (_specSent.Task.IsCompleted) return false;
            if (Interlocked.CompareExchange(ref _sender, 1, 0) == 0) return true;
            await _specSent.Task.WaitAsync(ct).ConfigureAwait(false);
            return false;
        }

        /// <summary>The spec request was answered (or lost: the other lanes then go on, and a silo that lacks the spec asks for it).</summary>
        public void SpecSent() => _specSent.TrySetResult();
    }

    private sealed class WorkItem(Genome genome, string architecture, CancellationToken cancellation)
    {
        public Genome Genome { get; } = genome;

        public string Architecture { get; } = architecture;

        public CancellationToken Cancellation { get; } = cancellation;

        public List<string> Attempts { get; } = [];

        public TaskCompletionSource<ProxyScores> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
