using PredictiveSharding.Planning;

namespace PredictiveSharding.Core.Tests.Planning;

public sealed class PlanningConstraintsTests
{
    [Test]
    public void Validate_NullUtilizationThresholds_ThrowsNamingThemInsteadOfANullReference()
    {
        // Validate enumerated the thresholds without a look first: null (an object initialiser, a deserializer, a binder)
        // failed with a NullReferenceException naming nothing, from inside the planner that validated the request.
        var constraints = new PlanningConstraints { UtilizationThresholds = null! };

        Assert.That(
            constraints.Validate,
            Throws.InstanceOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(PlanningConstraints.UtilizationThresholds))
                .And.Message.Contains("PlanningConstraints.UtilizationThresholds"));
    }
}
