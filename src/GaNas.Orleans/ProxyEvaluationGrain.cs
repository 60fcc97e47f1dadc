using GaNas.Proxies;
using GaNas.Runtime;
using GaNas.Search;
using Orleans.Concurrency;

namespace GaNas.Orleans;

/// <summary>
/// The worker grain's implementation: a stateless worker (several activations per silo, placed on the silo the
/// client's placement hint names) over the silo's <see cref="SiloEvaluators"/>.
/// </summary>
[StatelessWorker]
internal sealed class ProxyEvaluationGrain(SiloEvaluators evaluators, ILocalSiloDetails silo) : Grain, IProxyEvaluationGrain
{
    public Task<WorkerDescription> Describe() => Task.FromResult(new WorkerDescription
    {
        Silo = silo.SiloAddress.ToParsableString(),
        Lanes = evaluators.Lanes,
        Threads = TorchRuntime.ConfiguredThreads,
        Host = Environment.MachineName,
        ProxyCodeVersion = RunFingerprint.ProxyCodeVersion,
    });

    public async Task<EvaluationReply> Evaluate(EvaluationRequest request)
    {
        ProxyScores? scores;
        try
        {
            scores = await evaluators.EvaluateAsync(request).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The exception types of GaNas.Core do not cross the wire; their type and message do.
            return new EvaluationReply { Error = $"{ex.GetType().Name}: {ex.Message}", Silo = silo.SiloAddress.ToParsableString() };
        }
        if (scores is null) return new EvaluationReply { NeedsSpec = true, Silo = silo.SiloAddress.ToParsableString() };
        string[] names = scores.Values.Keys.ToArray();
        return new EvaluationReply
        {
            Names = names,
            Values = names.Select(n => scores.Values[n].Value).ToArray(),
            Failures = names.Select(n => scores.Values[n].Failure).ToArray(),
            Seconds = scores.Seconds,
            Silo = silo.SiloAddress.ToParsableString(),
        };
    }
}
