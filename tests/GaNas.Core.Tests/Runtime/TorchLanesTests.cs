using GaNas.Runtime;

namespace GaNas.Tests.Runtime;

/// <summary>TorchLanes: item k on lane k with one libtorch thread, results in order, failures after all items, nesting.</summary>
public class TorchLanesTests
{
    public TorchLanesTests() => TestEnvironment.InitTorch();

    [Fact]
    public void Items_run_on_their_own_one_thread_lanes_and_come_back_in_order()
    {
        int caller = Environment.CurrentManagedThreadId;
        var seen = TorchLanes.Run(3, k => (Item: k, Thread: Environment.CurrentManagedThreadId, Torch: TorchSharp.torch.get_num_threads()));
        seen.Select(s => s.Item).Should().Equal(0, 1, 2);
        seen.Select(s => s.Thread).Should().OnlyHaveUniqueItems().And.NotContain(caller);
        seen.Should().OnlyContain(s => s.Torch == 1, "a lane runs libtorch on one thread");
        TorchLanes.Run(3, _ => Environment.CurrentManagedThreadId).Should().Equal(seen.Select(s => s.Thread), "lane k always runs item k");
        TorchLanes.Run(1, _ => Environment.CurrentManagedThreadId).Should().Equal(caller);
    }

    [Fact]
    public async Task A_failure_is_thrown_after_every_item_finished_and_a_lane_can_run_lanes()
    {
        int finished = 0;
        var failing = () => TorchLanes.Run(2, k =>
        {
            if (k == 0) throw new InvalidOperationException("item 0");
            Thread.Sleep(50);
            Interlocked.Increment(ref finished);
            return k;
        });
        failing.Should().Throw<InvalidOperationException>().WithMessage("item 0");
        finished.Should().Be(1, "the other item ran to its end before the failure was thrown");

        // A lane waiting for lanes would wait for itself: nested items run in turn on the calling lane.
        var nested = Task.Run(() => TorchLanes.Run(2, outer => TorchLanes.Run(2, inner => 10 * outer + inner)));
        (await Task.WhenAny(nested, Task.Delay(TimeSpan.FromSeconds(30)))).Should().BeSameAs(nested, "a nested Run must not deadlock");
        (await nested).Should().BeEquivalentTo(new[] { new[] { 0, 1 }, new[] { 10, 11 } }, o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData(256, 2)]
    [InlineData(10, 3)]
    [InlineData(5, 5)]
    public void Parts_cover_the_items_once_in_order_and_differ_by_at_most_one(long total, int parts)
    {
        var all = Enumerable.Range(0, parts).Select(k => TorchLanes.Part(total, parts, k)).ToArray();
        all[0].Start.Should().Be(0);
        for (int k = 1; k < parts; k++) all[k].Start.Should().Be(all[k - 1].Start + all[k - 1].Count);
        all.Sum(p => p.Count).Should().Be(total);
        (all.Max(p => p.Count) - all.Min(p => p.Count)).Should().BeLessThanOrEqualTo(1);
    }
}
