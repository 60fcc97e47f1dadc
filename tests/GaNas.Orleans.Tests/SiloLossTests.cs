using GaNas.Search;
using Microsoft.Extensions.DependencyInjection;

namespace GaNas.Orleans.Tests;

public sealed class SiloLossTests
{
    [Fact]
    public async Task A_silo_stopped_mid_search_leaves_the_search_and_its_history_unchanged()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var local = TestClusters.Evaluator(images, labels);
        NasExperimentResult expected = await ClusterScoringTests.Search(local, workers: 1);

        await using var cluster = await TestClusters.StartAsync();
        using var scorer = await ClusterProxyScorer.ConnectAsync(cluster.Client, local, new ClusterScorerOptions { AttemptTimeout = TimeSpan.FromSeconds(5) });
        var victim = cluster.Silos[^1];
        var evaluating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // After 10 trials, the victim's next evaluation holds while the silo is killed under it (the kill waits for the
        // evaluation's turn to end, so the hold ends after 10 s at the latest, well after the client gave the attempt up).
        Task kill = Task.Run(async () =>
        {
            await evaluating.Task;
            await cluster.KillSiloAsync(victim);
            release.SetResult();
        });
        NasExperimentResult distributed = await ClusterScoringTests.Search(scorer, scorer.Concurrency, p =>
        {
            if (p.Evaluations != 10) return;
            victim.ServiceProvider.GetRequiredService<SiloEvaluators>().BeforeEvaluation = () =>
            {
                evaluating.TrySetResult();
                return Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            };
        });
        await kill;

        ClusterScoringTests.AssertSameHistory(distributed, expected);
        distributed.FailedTrials.Should().Be(expected.FailedTrials);
        scorer.Workers.Select(w => w.Silo).Should().NotContain(victim.SiloAddress.ToParsableString(), "the lost silo's lanes are retired");
        scorer.Lanes.Should().Be(2);
        scorer.Statistics.Retries.Should().BeGreaterThan(0, "the lost silo's lane took work after it died, and that work was scored elsewhere");
    }
}
