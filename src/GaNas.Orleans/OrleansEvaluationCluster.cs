using GaNas.Proxies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GaNas.Orleans;

/// <summary>
/// A connection to a cluster of GaNas workers, and the factory of scorers that run on it: give it to
/// <c>TrainingFreeNasOptions.SearchScorer</c>, or call <see cref="CreateAsync"/> for a search or a proxy table of your own.
/// Either it owns its Orleans client (<see cref="ConnectAsync"/>) or it uses one the application hosts.
/// </summary>
public sealed class OrleansEvaluationCluster : IProxyScorerFactory, IAsyncDisposable, IDisposable
{
    private readonly IHost? _host;

    /// <summary>Uses an Orleans client the application hosts (it stays the application's to stop).</summary>
    public OrleansEvaluationCluster(IClusterClient client, ClusterScorerOptions? options = null)
    {
        Client = client ?? throw new ArgumentNullException(nameof(client));
        Options = options ?? new ClusterScorerOptions();
        Options.Validate();
    }

    private OrleansEvaluationCluster(IHost host, ClusterScorerOptions? options) : this(host.Services.GetRequiredService<IClusterClient>(), options)
    {
        _host = host;
    }

    /// <summary>The Orleans client.</summary>
    public IClusterClient Client { get; }

    /// <summary>Dispatch and retry settings of the scorers.</summary>
    public ClusterScorerOptions Options { get; }

    /// <summary>
    /// Starts an Orleans client of <paramref name="endpoint"/>'s cluster (its log below warnings goes nowhere) and
    /// connects; throws naming the endpoint when no gateway answers.
    /// </summary>
    public static async Task<OrleansEvaluationCluster> ConnectAsync(ClusterEndpoint endpoint, ClusterScorerOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(endpoint.ConfigureClient);
        IHost host = builder.Build();
        try
        {
            await host.StartAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or System.Net.Sockets.SocketException)
        {
            host.Dispose();
            throw new ClusterEvaluationException($"Could not connect to the GaNas cluster at '{endpoint}' (cluster id '{endpoint.ClusterId}'): {ex.Message}. Start a worker with 'ganas worker' first.", ex);
        }
        return new OrleansEvaluationCluster(host, options);
    }

    /// <summary>A scorer for <paramref name="evaluator"/>'s evaluation on this cluster.</summary>
    public Task<ClusterProxyScorer> CreateAsync(ProxyEvaluator evaluator, CancellationToken ct = default) => ClusterProxyScorer.ConnectAsync(Client, evaluator, Options, ct);

    /// <inheritdoc />
    public IProxyScorer Create(ProxyEvaluator evaluator) => CreateAsync(evaluator).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is null) return;
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OrleansException or OperationCanceledException or TimeoutException)
        {
            // the cluster is gone already: nothing to say goodbye to
        }
        _host.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
