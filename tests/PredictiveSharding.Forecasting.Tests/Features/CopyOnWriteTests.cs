using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Tests.Features;

/// <summary>
/// The forecasters' lock-free state changes, without the timing of a real fit and update: the writer that finishes second
/// builds again on what the first published, so neither change is lost.
/// </summary>
public sealed class CopyOnWriteTests
{
    [Test]
    public void Publish_WhenAnotherWriterPublishedMeanwhile_BuildsAgainOnItsState()
    {
        // The update read "fitted"; while it built, a refit published "refit". The update must not overwrite the refit
        // with a tuned copy of the state it replaced, but tune the refit.
        var state = new Holder { Value = "fitted" };
        var reads = new List<string>();

        CopyOnWrite.Publish(ref state.Value, "fitted", read =>
        {
            reads.Add(read);
            if (reads.Count == 1)
            {
                state.Value = "refit";
            }

            return read + " + tuned";
        });

        Assert.Multiple(() =>
        {
            Assert.That(reads, Is.EqualTo(new[] { "fitted", "refit" }));
            Assert.That(state.Value, Is.EqualTo("refit + tuned"));
        });
    }

    [Test]
    public void Publish_WhenNothingChangedMeanwhile_BuildsOnce()
    {
        var state = new Holder { Value = "fitted" };
        var builds = 0;

        CopyOnWrite.Publish(ref state.Value, "fitted", read =>
        {
            builds++;
            return read + " + tuned";
        });

        Assert.That((builds, state.Value), Is.EqualTo((1, "fitted + tuned")));
    }

    [Test]
    public void Publish_WhenTheBuildThrows_PublishesNothing()
    {
        var state = new Holder { Value = "fitted" };

        Assert.That(() => CopyOnWrite.Publish<string>(ref state.Value, "fitted", _ => throw new OperationCanceledException()), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(state.Value, Is.EqualTo("fitted"));
    }

    [Test]
    public void Publish_WhenTheStateWasClearedMeanwhile_ThrowsInsteadOfPublishing()
    {
        var state = new Holder { Value = "fitted" };

        Assert.That(
            () => CopyOnWrite.Publish(ref state.Value, "fitted", read =>
            {
                state.Value = null;
                return read + " + tuned";
            }),
            Throws.InvalidOperationException.With.Message.Contains("cleared"));
        Assert.That(state.Value, Is.Null);
    }

    private sealed class Holder
    {
        public string? Value;
    }
}
