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

    [Fact]
    public async Task A_trial_whose_attempts_are_all_lost_fails_with_every_attempts_reason()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var local = TestClusters.Evaluator(images, labels);
        await using var cluster = await TestClusters.StartAsync(silos: 1);
        using var scorer = await ClusterProxyScorer.ConnectAsync(cluster.Client, local,
            new ClusterScorerOptions { AttemptTimeout = TimeSpan.FromSeconds(2), MaxAttempts = 1, NoWorkerTimeout = TimeSpan.FromSeconds(2) });
        var only = cluster.Silos[0];
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        only.ServiceProvider.GetRequiredService<SiloEvaluators>().BeforeEvaluation = () => Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(10)));

        using var runner = new GaNas.Search.Runners.ProxyTrialRunner(scorer);
        var settings = new GaNas.Search.AutoML.TrialSettings { TrialId = 0 };
        settings.Parameter = new GaNas.Search.AutoML.Parameter(GaNas.SearchSpaces.TopologySearchSpace.Instance.Parse(Arch), Arch);
        Func<Task> trial = () => runner.RunAsync(settings, CancellationToken.None);
        var failure = (await trial.Should().ThrowAsync<ClusterEvaluationException>()).Which;
        release.SetResult();
        failure.Message.Should().Contain(Arch).And.Contain("not scored after 1 attempt(s)").And.Contain(only.SiloAddress.ToParsableString()).And.Contain("TimeoutException");
        scorer.Statistics.Retries.Should().Be(0, "one attempt was allowed");
        scorer.Statistics.Evaluations.Should().Be(0);
    }

    [Fact]
    public async Task A_caller_that_cancels_gets_its_answer_at_once_while_its_work_waits_or_runs()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        await using var cluster = await TestClusters.StartAsync(silos: 1);
        using var scorer = await ClusterProxyScorer.ConnectAsync(cluster.Client, TestClusters.Evaluator(images, labels));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var evaluators = cluster.Silos[0].ServiceProvider.GetRequiredService<SiloEvaluators>();
        evaluators.BeforeEvaluation = () => Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        var space = GaNas.SearchSpaces.TopologySearchSpace.Instance;
        using var running = new CancellationTokenSource();
        using var queued = new CancellationTokenSource();
        Task<GaNas.Proxies.ProxyScores> inFlight = scorer.ScoreAsync(space.Parse(Arch), running.Token);
        Task<GaNas.Proxies.ProxyScores> waiting = scorer.ScoreAsync(space.Parse("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"), queued.Token);
        queued.Cancel();
        running.Cancel();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await FluentActions.Awaiting(() => waiting).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => inFlight).Should().ThrowAsync<OperationCanceledException>();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "neither waits for the held evaluation");
        release.SetResult();
        // The lane goes on with the next work.
        evaluators.BeforeEvaluation = null;
        (await scorer.ScoreAsync(space.Parse(Arch))).Values.Should().NotBeEmpty();
    }

    private const string Arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";
}
