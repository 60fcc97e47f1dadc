using Microsoft.Extensions.DependencyInjection;

namespace GaNas.Orleans;

/// <summary>Makes a silo a GaNas worker.</summary>
public static class GaNasWorkerExtensions
{
    /// <summary>
    /// Registers the evaluation service that <see cref="IProxyEvaluationGrain"/> activations on this silo share. The
    /// silo's clustering, endpoints and messaging limits stay the host's choice (<see cref="ClusterEndpoint"/> configures
    /// the ones <c>ganas worker</c> uses).
    /// </summary>
    public static ISiloBuilder AddGaNasWorker(this ISiloBuilder silo, Action<GaNasWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddOptions<GaNasWorkerOptions>().Configure(o => configure?.Invoke(o));
        silo.Services.AddSingleton<SiloEvaluators>();
        return silo;
    }
}
