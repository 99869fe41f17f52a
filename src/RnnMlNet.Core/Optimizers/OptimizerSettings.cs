using RnnMlNet.Core;

namespace RnnMlNet;

/// <summary>The update rules the trainer offers.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with (heavy-ball) momentum.</summary>
    Sgd,

    /// <summary>Adam (Kingma &amp; Ba), with bias correction.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter).</summary>
    AdamW,

    /// <summary>RMSprop (Tieleman &amp; Hinton).</summary>
    RmsProp,
}

/// <summary>The optimizer and its hyper-parameters. Defaults follow PyTorch, except SGD's momentum (0.9 here, 0 in <c>torch.optim.SGD</c>).</summary>
public sealed class OptimizerSettings
{
    /// <summary>Update rule. Default <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Kind { get; set; } = OptimizerKind.Adam;

    /// <summary>SGD momentum μ. Default 0.9.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Adam β₁. Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Adam β₂. Default 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>ε added to the denominator of Adam and RMSprop. Default 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>AdamW's decoupled weight decay λ. Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>RMSprop's decay ρ of the squared-gradient average. Default 0.99.</summary>
    public double Decay { get; set; } = 0.99;

    /// <summary>A copy that later changes to these settings do not reach.</summary>
    internal OptimizerSettings Copy() => (OptimizerSettings)MemberwiseClone();

    internal void Validate()
    {
        OptionChecks.Require(Enum.IsDefined(Kind), nameof(Kind), Kind, "Sgd, Adam, AdamW or RmsProp");
        OptionChecks.Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), Momentum, "a value in [0, 1)");
        OptionChecks.Require(Beta1 >= 0 && Beta1 < 1, nameof(Beta1), Beta1, "a value in [0, 1)");
        OptionChecks.Require(Beta2 >= 0 && Beta2 < 1, nameof(Beta2), Beta2, "a value in [0, 1)");
        OptionChecks.Require(Epsilon > 0 && double.IsFinite(Epsilon), nameof(Epsilon), Epsilon, "a positive finite value");
        OptionChecks.Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "a non-negative finite value");
        OptionChecks.Require(Decay >= 0 && Decay < 1, nameof(Decay), Decay, "a value in [0, 1)");
    }
}
